//! The pages read as a person would read them: the wizard offers plain words with their article
//! instead of the API's ids, the catalogue gives parameters as "7B", a model page gives FLOPs in
//! powers of ten, and a result names its tier and its obligations in words.

use fantoccini::Locator;

use crate::common::{self, PASSWORD};
use crate::driver::{click, fill, log_in, start_browser, text_of, wait_for_text};

#[tokio::test]
async fn the_wizard_and_the_catalogue_speak_in_words_and_readable_numbers() {
    let app = common::spawn_app().await;
    let provider = app.new_user().await;
    let (model, _) = app.provider_with_verified_model(&provider, 7_000_000_000, "25000000").await;
    let buyer = app.new_user().await;
    let driver = start_browser().await;
    let c = &driver.client;
    log_in(c, &app.address, &buyer.email, PASSWORD).await;

    // The catalogue: 7B, with the exact count on hover.
    c.goto(&app.url("/models")).await.unwrap();
    let row = c.find(Locator::XPath(&format!("//tr[td/a[@href='/models/{model}']]"))).await.unwrap();
    let cells = row.text().await.unwrap();
    assert!(cells.contains("7B"), "{cells}");
    assert!(!cells.contains("7000000000"), "{cells}");
    let exact = row.find(Locator::Css("span[title]")).await.unwrap().attr("title").await.unwrap().unwrap_or_default();
    assert_eq!(exact, "7,000,000,000 parameters");

    // The model page: parameters and training compute for people, intended uses in words.
    c.goto(&app.url(&format!("/models/{model}"))).await.unwrap();
    let facts = text_of(c, "dl.facts").await;
    assert!(facts.contains("7B parameters"), "{facts}");
    assert!(facts.contains("8.4 × 10²² FLOPs"), "{facts}");
    assert!(!facts.contains("customer_service"), "intended uses in words: {facts}");

    // The wizard: labels, one line of help and the article; the form still posts the ids.
    c.goto(&app.url("/assess")).await.unwrap();
    let emotion = "prohibited_practices-emotion_recognition_workplace_education";
    assert_eq!(text_of(c, &format!("label[for='{emotion}']")).await, "Emotion recognition at work or in education");
    let help = text_of(c, &format!("#{emotion}-help")).await;
    assert!(help.contains("AI Act Art. 5(1)(f)") && help.len() > "AI Act Art. 5(1)(f)".len() + 20, "{help}");
    let described_by = c.find(Locator::Id(emotion)).await.unwrap().attr("aria-describedby").await.unwrap();
    assert_eq!(described_by.as_deref(), Some(format!("{emotion}-help").as_str()), "the help is tied to its checkbox");
    let credit = text_of(c, "#sectors-credit_scoring-help").await;
    assert!(credit.contains("Annex III point 5(b)"), "a sector with a floor cites its annex: {credit}");
    let main = text_of(c, "main").await;
    for id in ["emotion_recognition_workplace_education", "predictive_policing_profiling", "customer_service", "human_on_the_loop"] {
        assert!(!main.contains(id), "the id {id} is shown to people: {main}");
    }
    assert!(main.contains("Human in the loop") && main.contains("A person reviews and approves each output"), "autonomy in words: {main}");

    // Choosing by the label posts the id: the practice makes the deployment prohibited.
    c.find(Locator::Css(&format!("#base_model_id option[value='{model}']"))).await.unwrap().click().await.unwrap();
    fill(c, "purpose", "Gauge how engaged pupils are in class from their faces").await;
    click(c, &format!("label[for='{emotion}']")).await;
    let tier = wait_for_text(c, "#risk-tier", "prohibited").await;
    if let Ok(png) = c.screenshot().await {
        std::fs::create_dir_all("target").ok();
        std::fs::write("target/browser-wizard-words.png", png).ok();
    }
    assert_eq!(tier.trim().to_lowercase(), "prohibited");
    driver.client.clone().close().await.unwrap();
}
