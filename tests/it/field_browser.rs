//! A farmer's field records in a real browser on a phone-sized window
//! (390 × 844, issue 19): a new lot with its harvest and a photo in one
//! screen — its taps counted —, a stamp roll, a spraying whose pre-harvest
//! interval then refuses the next roll (the refusal shown), the photo on
//! the consumer's page, and a correction of an event. Screenshots of each
//! step go to `target/tmp/screenshots/field-*.png`.

use fantoccini::Locator;

use crate::browser::{
    arrive, browser, check_basics, download, log_in, screenshot, serve, stays_small, text,
    tokio_sleep,
};
use crate::harness::TestApp;

/// The most taps (clicks and field entries) the harvest of a new lot may
/// take from the dashboard, photo included (README, "Pages").
const HARVEST_TAPS: u32 = 5;

fn small_jpeg() -> std::path::PathBuf {
    let picture = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&picture)
        .unwrap();
    let path = std::env::temp_dir().join(format!("tracestamp-harvest-{}.jpg", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

async fn source_contains(client: &fantoccini::Client, needle: &str) -> bool {
    for _ in 0..100 {
        if client.source().await.unwrap_or_default().contains(needle) {
            return true;
        }
        tokio_sleep(100).await;
    }
    false
}

#[actix_web::test]
async fn a_farmer_records_the_field_on_a_phone() {
    let app = TestApp::new();
    if super::browser::sqlite_only(&app, "field_browser::a_farmer_records_the_field_on_a_phone") {
        return;
    }
    let (_server, port, _) = serve(&app.database_url);
    let base = format!("http://127.0.0.1:{port}");
    let (_driver, client) = browser().await;
    client.set_window_size(390, 844).await.unwrap();

    log_in(&client, &base, "producer1").await;
    arrive(&client, "/portal").await;
    screenshot(&client, "field-01-dashboard").await;

    // The harvest of a new lot, tap by tap from the dashboard.
    let mut taps = 0;
    client
        .find(Locator::Css("#new-lot"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    taps += 1;
    arrive(&client, "/portal/lots/new").await;
    check_basics(&client, "new lot").await;
    let form = client.form(Locator::Css("form.stack")).await.unwrap();
    let product = client
        .execute(
            "const o = document.querySelectorAll('#f-product_id option'); return o[o.length - 1].value;",
            vec![],
        )
        .await
        .unwrap();
    form.set_by_name("product_id", product.as_str().unwrap())
        .await
        .unwrap();
    taps += 1;
    form.set_by_name("quantity", "850").await.unwrap();
    taps += 1;
    let photo = small_jpeg();
    client
        .find(Locator::Css("#f-photo"))
        .await
        .unwrap()
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    taps += 1;
    screenshot(&client, "field-02-new-lot").await;
    form.submit().await.unwrap();
    taps += 1;
    arrive(&client, "notice=saved").await;
    assert!(
        taps <= HARVEST_TAPS,
        "the harvest took {taps} taps, more than {HARVEST_TAPS}"
    );
    let batch_url = client.current_url().await.unwrap();
    let batch_path = batch_url.path().to_owned();
    assert!(batch_path.starts_with("/portal/batches/"), "{batch_url}");
    let timeline = text(&client, ".timeline").await;
    assert!(timeline.contains("Thu hoạch"), "{timeline}");
    assert!(timeline.contains("850 kg"), "{timeline}");
    assert!(
        source_contains(&client, "src=\"/photos/").await,
        "the harvest's photo is on the batch page"
    );
    screenshot(&client, "field-03-lot-harvested").await;

    // Stamps for the harvest, and one of their serials.
    let roll_form = client
        .form(Locator::Css("form[action$='/rolls']"))
        .await
        .unwrap();
    roll_form.set_by_name("count", "10").await.unwrap();
    roll_form.submit().await.unwrap();
    arrive(&client, "notice=roll").await;
    let (pdf_path, session) = crate::browser::label_link_and_session(&client).await;
    let serials_path = format!(
        "{}/serials?format=csv",
        &pdf_path[..pdf_path.find("/labels.pdf").unwrap()]
    );
    let (_, csv) = download(port, &serials_path, &session);
    let serial = String::from_utf8(csv)
        .unwrap()
        .lines()
        .nth(1)
        .expect("a serial")
        .split(',')
        .next()
        .unwrap()
        .to_owned();

    // A spraying with a 7-day pre-harvest interval…
    client
        .find(Locator::Css("a[href*='kind=input_application']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(&client, "kind=input_application").await;
    let event_form = client
        .form(Locator::Css("form[action$='/events']"))
        .await
        .unwrap();
    event_form
        .set_by_name("product", "Abamectin 1.8EC")
        .await
        .unwrap();
    event_form.set_by_name("dose", "1.5").await.unwrap();
    event_form
        .set_by_name("pre_harvest_interval_days", "7")
        .await
        .unwrap();
    screenshot(&client, "field-04-spraying").await;
    event_form.submit().await.unwrap();
    arrive(&client, "notice=event").await;
    assert!(text(&client, ".timeline").await.contains("Abamectin"));

    // … then refuses the next stamp roll, saying why.
    let roll_form = client
        .form(Locator::Css("form[action$='/rolls']"))
        .await
        .unwrap();
    roll_form.set_by_name("count", "10").await.unwrap();
    roll_form.submit().await.unwrap();
    assert!(
        source_contains(&client, "thời gian cách ly trước thu hoạch").await,
        "the refusal is shown"
    );
    let refusal = text(&client, "p.errors").await;
    assert!(refusal.contains("cách ly"), "{refusal}");
    screenshot(&client, "field-05-roll-refused").await;

    // Corrects the spraying's note.
    client.goto(&format!("{base}{batch_path}")).await.unwrap();
    arrive(&client, &batch_path).await;
    let edit = client
        .execute(
            "const links = [...document.querySelectorAll('.timeline a[href$=\"/edit\"]')];
             return links[links.length - 1].getAttribute('href');",
            vec![],
        )
        .await
        .unwrap();
    client
        .goto(&format!("{base}{}", edit.as_str().unwrap()))
        .await
        .unwrap();
    arrive(&client, "/edit").await;
    check_basics(&client, "correct event").await;
    let correct = client.form(Locator::Css("form.stack")).await.unwrap();
    correct
        .set_by_name("note", "Phun lại hàng rìa vườn")
        .await
        .unwrap();
    correct.submit().await.unwrap();
    arrive(&client, &batch_path).await;
    assert!(
        source_contains(&client, "Đã sửa ngày").await,
        "the correction is marked"
    );
    screenshot(&client, "field-06-corrected").await;

    // The consumer sees the harvest's photo, still without a script.
    client.delete_all_cookies().await.unwrap();
    client.goto(&format!("{base}/s/{serial}")).await.unwrap();
    assert_eq!(text(&client, "#verdict").await, "Chính hãng");
    let shown = client
        .execute(
            "const i = document.querySelector('.timeline img');
             return i && i.complete ? {width: i.naturalWidth, alt: i.alt, lazy: i.loading} : null;",
            vec![],
        )
        .await
        .unwrap();
    assert!(shown["width"].as_u64().unwrap_or(0) > 0, "{shown}");
    assert!(
        shown["alt"].as_str().unwrap().contains("Thu hoạch"),
        "{shown}"
    );
    assert_eq!(shown["lazy"], "lazy");
    check_basics(&client, "stamp with photo").await;
    stays_small(&client, "stamp with photo").await;
    screenshot(&client, "field-07-consumer-photo").await;
    let _ = std::fs::remove_file(photo);
    client.close().await.unwrap();
}
