//! One portable schema for both backends; written by hand to match
//! `migrations/{sqlite,postgres}` (every type here exists on both).

diesel::table! {
    enterprise (id) {
        id -> Text,
        name -> Text,
        tax_code -> Text,
        address -> Text,
        province -> Text,
        gs1_prefix -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contact_phone -> Nullable<Text>,
        zalo_url -> Nullable<Text>,
        commune_code -> Nullable<Text>,
        province_code -> Text,
        former_address -> Nullable<Text>,
    }
}

diesel::table! {
    facility (id) {
        id -> Text,
        enterprise_id -> Text,
        name -> Text,
        kind -> Text,
        address -> Text,
        district -> Text,
        province -> Text,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        area_code -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        gln -> Nullable<Text>,
        commune_code -> Nullable<Text>,
        province_code -> Text,
        former_address -> Nullable<Text>,
    }
}

diesel::table! {
    certification (id) {
        id -> Text,
        facility_id -> Text,
        scheme -> Text,
        number -> Text,
        issuer -> Text,
        valid_from -> Date,
        valid_to -> Date,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    product (id) {
        id -> Text,
        enterprise_id -> Text,
        name_vi -> Text,
        name_en -> Text,
        category -> Text,
        variety -> Nullable<Text>,
        gtin -> Nullable<Text>,
        unit -> Text,
        image_url -> Nullable<Text>,
        shelf_life_days -> Nullable<Integer>,
        standards -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        name_zh -> Nullable<Text>,
    }
}

diesel::table! {
    batch (id) {
        id -> Text,
        product_id -> Text,
        facility_id -> Text,
        lot_code -> Text,
        produced_on -> Date,
        quantity -> Double,
        unit -> Text,
        expires_on -> Nullable<Date>,
        status -> Text,
        recall_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        recalled_because -> Nullable<Text>,
        recalled_at -> Nullable<Timestamp>,
        recall_authority -> Nullable<Text>,
        market -> Nullable<Text>,
    }
}

diesel::table! {
    event (id) {
        id -> Text,
        batch_id -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        facility_id -> Text,
        details -> Text,
        recorded_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retracted_at -> Nullable<Timestamp>,
        retraction_reason -> Nullable<Text>,
        retracted_by -> Nullable<Text>,
        corrected_at -> Nullable<Timestamp>,
        assigned_lot_code -> Nullable<Text>,
    }
}

diesel::table! {
    event_input (event_id, batch_id) {
        event_id -> Text,
        batch_id -> Text,
        quantity -> Nullable<Double>,
        unit -> Nullable<Text>,
    }
}

diesel::table! {
    stamp_roll (id) {
        id -> Text,
        number -> BigInt,
        batch_id -> Text,
        count -> BigInt,
        key_id -> Integer,
        voided_at -> Nullable<Timestamp>,
        void_reason -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stamp_override (roll_id, stamp_index) {
        roll_id -> Text,
        stamp_index -> BigInt,
        state -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stamp_claim (roll_number, stamp_index) {
        roll_number -> BigInt,
        stamp_index -> BigInt,
        claimed_at -> Nullable<Timestamp>,
        origin -> Nullable<Text>,
        later_claims -> Integer,
        last_claimed_at -> Nullable<Timestamp>,
        wrong_attempts -> Integer,
        window_wrong -> Integer,
        window_started_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    nfc_tag (uid) {
        uid -> Text,
        roll_number -> BigInt,
        stamp_index -> BigInt,
        last_counter -> BigInt,
        replays -> BigInt,
        bound_by -> Nullable<Text>,
        bound_at -> Timestamp,
        last_tap_at -> Nullable<Timestamp>,
        last_replay_at -> Nullable<Timestamp>,
        last_tap_origin -> Nullable<Text>,
        last_tap_device -> Nullable<Text>,
        copied_taps -> BigInt,
    }
}

diesel::table! {
    scan (id) {
        id -> BigInt,
        roll_number -> Nullable<BigInt>,
        stamp_index -> Nullable<BigInt>,
        serial -> Text,
        scanned_at -> Timestamp,
        origin_hash -> Nullable<Text>,
        origin_region -> Nullable<Text>,
        client_class -> Text,
        verdict -> Text,
        tally -> Integer,
        device -> Nullable<Text>,
        place -> Nullable<Text>,
    }
}

diesel::table! {
    scan_summary (roll_number, stamp_index) {
        roll_number -> BigInt,
        stamp_index -> BigInt,
        scans -> BigInt,
        first_at -> Nullable<Timestamp>,
        first_place -> Nullable<Text>,
        checkers -> Text,
    }
}

diesel::table! {
    scan_day (day, roll_number, place) {
        day -> Date,
        roll_number -> BigInt,
        place -> Text,
        scans -> BigInt,
        genuine -> BigInt,
        suspicious -> BigInt,
        recalled -> BigInt,
        voided -> BigInt,
        facility_suspended -> BigInt,
        expired -> BigInt,
    }
}

diesel::table! {
    account (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        enterprise_id -> Nullable<Text>,
        province -> Nullable<Text>,
        disabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inspection (id) {
        id -> Text,
        facility_id -> Text,
        inspector_id -> Nullable<Text>,
        inspected_on -> Date,
        result -> Text,
        findings -> Text,
        follow_up_due -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inspection_check (inspection_id, code) {
        inspection_id -> Text,
        code -> Text,
        answer -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    api_token (id) {
        id -> Text,
        account_id -> Text,
        name -> Text,
        kind -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    public_change (id) {
        id -> Integer,
        seq -> BigInt,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    serial_key (key_id) {
        key_id -> Integer,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    product_link (id) {
        id -> Text,
        product_id -> Text,
        link_type -> Text,
        href -> Text,
        title -> Text,
        lang -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    epcis_capture (id) {
        id -> Text,
        enterprise_id -> Text,
        account_id -> Text,
        error_behaviour -> Text,
        event_count -> BigInt,
        stored_count -> BigInt,
        success -> Bool,
        errors -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Timestamp,
    }
}

diesel::table! {
    epcis_event (id) {
        id -> Text,
        enterprise_id -> Text,
        event_key -> Text,
        event_id -> Nullable<Text>,
        event_type -> Text,
        action -> Nullable<Text>,
        event_time -> Timestamp,
        record_time -> Timestamp,
        biz_step -> Nullable<Text>,
        disposition -> Nullable<Text>,
        read_point -> Nullable<Text>,
        biz_location -> Nullable<Text>,
        source_event_id -> Nullable<Text>,
        capture_id -> Nullable<Text>,
        body -> Text,
        context -> Nullable<Text>,
        retracted -> Bool,
    }
}

diesel::table! {
    batch_lot_alias (product_id, lot_code) {
        product_id -> Text,
        lot_code -> Text,
        batch_id -> Text,
        replaced_at -> Timestamp,
    }
}

diesel::table! {
    facility_move (id) {
        id -> Text,
        facility_id -> Text,
        from_province -> Text,
        from_district -> Text,
        to_province -> Text,
        to_district -> Text,
        reason -> Text,
        moved_by -> Text,
        moved_at -> Timestamp,
        from_commune_code -> Nullable<Text>,
        to_commune_code -> Nullable<Text>,
    }
}

diesel::table! {
    epcis_event_epc (event_id, role, value) {
        event_id -> Text,
        role -> Text,
        value -> Text,
        enterprise_id -> Text,
    }
}

diesel::table! {
    fake_report (id) {
        id -> Text,
        code -> Text,
        roll_id -> Nullable<Text>,
        stamp_index -> Nullable<BigInt>,
        batch_id -> Nullable<Text>,
        enterprise_id -> Nullable<Text>,
        province -> Text,
        shop_name -> Text,
        shop_address -> Text,
        phone -> Nullable<Text>,
        photo -> Nullable<Binary>,
        reported_at -> Timestamp,
    }
}

diesel::table! {
    party (id) {
        id -> Text,
        enterprise_id -> Nullable<Text>,
        recorded_by_enterprise -> Nullable<Text>,
        business_name -> Text,
        street -> Text,
        province -> Text,
        country -> Text,
        phone -> Nullable<Text>,
        gln -> Nullable<Text>,
        fda_registration -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    handover (id) {
        id -> Text,
        batch_id -> Text,
        shipping_event_id -> Nullable<Text>,
        from_enterprise_id -> Nullable<Text>,
        from_facility_id -> Nullable<Text>,
        from_party_id -> Nullable<Text>,
        to_enterprise_id -> Text,
        to_party_id -> Text,
        quantity_shipped -> Double,
        unit -> Text,
        status -> Text,
        quantity_received -> Nullable<Double>,
        reference_type -> Nullable<Text>,
        reference_number -> Nullable<Text>,
        received_facility_id -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<Text>,
        receiving_event_id -> Nullable<Text>,
        refusal_reason -> Nullable<Text>,
        supplier_lot_code -> Nullable<Text>,
        product_description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    photo (id) {
        id -> Text,
        owner_kind -> Text,
        owner_id -> Text,
        alt -> Text,
        content_type -> Text,
        bytes -> Binary,
        etag -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    finding_answer (id) {
        id -> Text,
        inspection_id -> Text,
        note -> Text,
        answered_by -> Text,
        answered_at -> Timestamp,
    }
}

diesel::table! {
    export_code (id) {
        id -> Text,
        code -> Text,
        kind -> Text,
        facility_id -> Text,
        enterprise_id -> Text,
        crop -> Text,
        area_ha -> Nullable<Double>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    export_code_market (export_code_id, market) {
        export_code_id -> Text,
        market -> Text,
        status -> Text,
        approved_on -> Nullable<Date>,
        status_since -> Date,
        reason -> Nullable<Text>,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    export_code_user (export_code_id, enterprise_id) {
        export_code_id -> Text,
        enterprise_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    batch_export_code (batch_id, export_code_id) {
        batch_id -> Text,
        export_code_id -> Text,
    }
}

diesel::table! {
    export_code_alert (id) {
        id -> Text,
        kind -> Text,
        code -> Text,
        export_code_id -> Nullable<Text>,
        batch_id -> Nullable<Text>,
        enterprise_id -> Text,
        province_code -> Text,
        detail -> Text,
        raised_at -> Timestamp,
    }
}

diesel::table! {
    laboratory (id) {
        id -> Text,
        name -> Text,
        accreditation -> Text,
        markets -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lab_result (id) {
        id -> Text,
        batch_id -> Text,
        laboratory_id -> Text,
        sampled_on -> Date,
        sampled_by -> Text,
        reported_on -> Date,
        passed -> Bool,
        certificate -> Nullable<Binary>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_by -> Nullable<Text>,
        withdrawn_reason -> Nullable<Text>,
    }
}

diesel::table! {
    lab_analyte (lab_result_id, position) {
        lab_result_id -> Text,
        position -> Integer,
        analyte -> Text,
        result -> Double,
        limit_value -> Double,
        unit -> Text,
    }
}

diesel::joinable!(facility -> enterprise (enterprise_id));
diesel::joinable!(certification -> facility (facility_id));
diesel::joinable!(product -> enterprise (enterprise_id));
diesel::joinable!(batch -> product (product_id));
diesel::joinable!(batch -> facility (facility_id));
diesel::joinable!(event -> batch (batch_id));
diesel::joinable!(event_input -> event (event_id));
diesel::joinable!(event -> facility (facility_id));
diesel::joinable!(stamp_roll -> batch (batch_id));
diesel::joinable!(inspection -> facility (facility_id));
diesel::joinable!(api_token -> account (account_id));
diesel::joinable!(product_link -> product (product_id));
diesel::joinable!(epcis_capture -> enterprise (enterprise_id));
diesel::joinable!(epcis_event -> enterprise (enterprise_id));
diesel::joinable!(epcis_event_epc -> epcis_event (event_id));
diesel::joinable!(batch_lot_alias -> batch (batch_id));
diesel::joinable!(facility_move -> facility (facility_id));
diesel::joinable!(fake_report -> stamp_roll (roll_id));
diesel::joinable!(fake_report -> batch (batch_id));
diesel::joinable!(fake_report -> enterprise (enterprise_id));
diesel::joinable!(handover -> batch (batch_id));
diesel::joinable!(finding_answer -> inspection (inspection_id));
diesel::joinable!(inspection_check -> inspection (inspection_id));

diesel::joinable!(export_code -> facility (facility_id));
diesel::joinable!(export_code -> enterprise (enterprise_id));
diesel::joinable!(export_code_market -> export_code (export_code_id));
diesel::joinable!(batch_export_code -> export_code (export_code_id));
diesel::joinable!(batch_export_code -> batch (batch_id));
diesel::joinable!(lab_result -> laboratory (laboratory_id));
diesel::joinable!(lab_result -> batch (batch_id));
diesel::joinable!(lab_analyte -> lab_result (lab_result_id));
diesel::allow_tables_to_appear_in_same_query!(
    fake_report,
    enterprise,
    facility,
    certification,
    product,
    batch,
    event,
    event_input,
    stamp_roll,
    stamp_override,
    stamp_claim,
    nfc_tag,
    scan,
    scan_summary,
    scan_day,
    account,
    inspection,
    api_token,
    audit_log,
    audit_head,
    public_change,
    serial_key,
    product_link,
    epcis_capture,
    epcis_event,
    epcis_event_epc,
    batch_lot_alias,
    facility_move,
    party,
    handover,
    photo,
    finding_answer,
    inspection_check,
    export_code,
    export_code_market,
    export_code_user,
    batch_export_code,
    export_code_alert,
    laboratory,
    lab_result,
    lab_analyte,
);
