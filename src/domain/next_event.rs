//! The event a producer most likely records next on a lot, pre-selected on
//! the batch page so that the usual day takes one tap (issue 19: the form
//! offered "Harvest" on lots already harvested).

use super::kinds::EventKind;

/// The likely next step after the lot's events so far (oldest first,
/// retracted ones left out). An own inspection can happen at any step, so
/// the step before it decides; a lot with no event yet usually starts at
/// its harvest.
pub fn next_kind(history: &[EventKind]) -> EventKind {
    use EventKind::*;
    let last = history.iter().rev().find(|k| **k != Inspection);
    match last {
        None => Harvesting,
        Some(Planting) => InputApplication,
        // More inputs may follow, but the step they lead to is the harvest.
        Some(InputApplication) => Harvesting,
        Some(Harvesting) => Cooling,
        Some(Cooling) | Some(Transformation) | Some(FirstLandReceiving) => Packing,
        Some(Packing) => Shipping,
        Some(Shipping) => Receiving,
        // Received at a packhouse or a market: checked on arrival.
        Some(Receiving) | Some(Inspection) => Inspection,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    #[test]
    fn follows_the_usual_course_of_a_lot() {
        assert_eq!(next_kind(&[]), Harvesting);
        assert_eq!(next_kind(&[Planting]), InputApplication);
        assert_eq!(next_kind(&[Planting, InputApplication]), Harvesting);
        assert_eq!(next_kind(&[Harvesting]), Cooling);
        assert_eq!(next_kind(&[Harvesting, Cooling]), Packing);
        assert_eq!(next_kind(&[Transformation]), Packing);
        assert_eq!(next_kind(&[Harvesting, Packing]), Shipping);
        assert_eq!(next_kind(&[Packing, Shipping]), Receiving);
        assert_eq!(next_kind(&[Shipping, Receiving]), Inspection);
    }

    #[test]
    fn an_inspection_does_not_move_the_lot_on() {
        assert_eq!(next_kind(&[Harvesting, Inspection]), Cooling);
        assert_eq!(next_kind(&[Inspection]), Harvesting);
    }

    #[test]
    fn never_offers_a_harvest_again_after_one() {
        for after in [Cooling, Packing, Shipping, Receiving, Inspection] {
            assert_ne!(next_kind(&[Harvesting, after]), Harvesting);
        }
    }
}
