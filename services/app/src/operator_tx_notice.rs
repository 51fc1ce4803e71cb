//! What a buyer is told about the operator's own transactions (release, refund, freeze…). The
//! error the sender recorded can carry the RPC endpoint (and its key), internal addresses or node
//! messages; it stays in `chain_tx.last_error` and the logs for the platform's staff, and the buyer
//! sees a generic sentence.

/// The buyer-facing text for an operator transaction in `status` whose sender recorded `detail`.
/// `None` when nothing went wrong.
pub fn buyer_facing_error(status: &str, detail: Option<&str>) -> Option<&'static str> {
    detail?;
    Some(match status {
        "failed" => "The platform's transaction did not go through. Our staff have been alerted and will follow up.",
        "mined" => "The platform's transaction needed no further action.",
        _ => "The platform's transaction is being retried.",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_never_reaches_the_buyer() {
        let detail = "error sending request for url (https://mainnet.example/v3/SECRETKEY): connect 10.0.0.5:8545 refused";
        for status in ["pending", "sent", "mined", "failed"] {
            let shown = buyer_facing_error(status, Some(detail)).unwrap_or_default();
            assert!(!shown.is_empty() && !shown.contains("SECRETKEY") && !shown.contains("10.0.0.5"), "{shown}");
        }
        assert_eq!(buyer_facing_error("mined", None), None);
    }
}
