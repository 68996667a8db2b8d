//! Any path and query as a GS1 Digital Link: parsing never panics, and what
//! parses writes back (`path()`) to a link that parses to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracestamp::domain::digital_link::DigitalLink;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (path, query) = match text.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (text, None),
    };
    if let Ok(link) = DigitalLink::parse(path, query) {
        assert_eq!(link.gtin.len(), 14);
        let again = DigitalLink::parse(&link.path(), None).expect("own path parses");
        assert_eq!(
            (&again.gtin, &again.cpv, &again.lot, &again.serial),
            (&link.gtin, &link.cpv, &link.lot, &link.serial)
        );
    }
});
