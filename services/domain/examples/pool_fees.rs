//! The pooled fee per audit against the platform's own (non-pooled) review, for pools of 1, 5, 20
//! and 100 members under the pools policy: `cargo run -p attune-domain --example pool_fees`.

use attune_domain::pools::PoolPolicy;

fn usdc(base_units: u128) -> String {
    format!("{}.{:02}", base_units / 1_000_000, (base_units % 1_000_000) / 10_000)
}

fn main() -> Result<(), String> {
    let policy = PoolPolicy::current()?;
    let alone = policy.non_pooled_fee();
    println!("pools policy {} (sha256 {})", policy.reference().version, &policy.reference().sha256[..12]);
    println!("non-pooled (platform review): {} USDC", usdc(alone.amount));
    println!("{:>8} {:>14} {:>12}  formula", "members", "fee (USDC)", "vs alone");
    for members in [1u32, 5, 20, 100] {
        let fee = policy.pooled_fee(members);
        let share = fee.amount as f64 / alone.amount as f64 * 100.0;
        println!("{members:>8} {:>14} {:>11.1}%  {}", usdc(fee.amount), share, fee.formula);
    }
    Ok(())
}
