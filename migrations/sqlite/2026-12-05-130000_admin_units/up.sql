-- Two-level administrative units (domain::admin_units). A facility or
-- enterprise names its commune by official code (NULL: not yet settled —
-- converted from the pre-2025 address at start, or listed for an admin on
-- "Địa chỉ cần xác định"); its province follows from the commune, and
-- regulators' scopes compare province codes. `former_address` keeps the
-- address as written before 1 July 2025, shown and searchable.
ALTER TABLE facility ADD COLUMN commune_code TEXT;
ALTER TABLE facility ADD COLUMN province_code TEXT NOT NULL DEFAULT '';
ALTER TABLE facility ADD COLUMN former_address TEXT;
ALTER TABLE enterprise ADD COLUMN commune_code TEXT;
ALTER TABLE enterprise ADD COLUMN province_code TEXT NOT NULL DEFAULT '';
ALTER TABLE enterprise ADD COLUMN former_address TEXT;
UPDATE facility SET province_code = CASE province
    WHEN 'Hà Nội' THEN '01'
    WHEN 'Huế' THEN '46'
    WHEN 'Hải Phòng' THEN '31'
    WHEN 'Đà Nẵng' THEN '48'
    WHEN 'Thành phố Hồ Chí Minh' THEN '79'
    WHEN 'Cần Thơ' THEN '92'
    WHEN 'Lai Châu' THEN '12'
    WHEN 'Điện Biên' THEN '11'
    WHEN 'Sơn La' THEN '14'
    WHEN 'Lạng Sơn' THEN '20'
    WHEN 'Quảng Ninh' THEN '22'
    WHEN 'Thanh Hóa' THEN '38'
    WHEN 'Nghệ An' THEN '40'
    WHEN 'Hà Tĩnh' THEN '42'
    WHEN 'Cao Bằng' THEN '04'
    WHEN 'Tuyên Quang' THEN '08'
    WHEN 'Lào Cai' THEN '15'
    WHEN 'Thái Nguyên' THEN '19'
    WHEN 'Phú Thọ' THEN '25'
    WHEN 'Bắc Ninh' THEN '24'
    WHEN 'Hưng Yên' THEN '33'
    WHEN 'Ninh Bình' THEN '37'
    WHEN 'Quảng Trị' THEN '44'
    WHEN 'Quảng Ngãi' THEN '51'
    WHEN 'Gia Lai' THEN '52'
    WHEN 'Khánh Hòa' THEN '56'
    WHEN 'Lâm Đồng' THEN '68'
    WHEN 'Đắk Lắk' THEN '66'
    WHEN 'Đồng Nai' THEN '75'
    WHEN 'Tây Ninh' THEN '80'
    WHEN 'Vĩnh Long' THEN '86'
    WHEN 'Đồng Tháp' THEN '82'
    WHEN 'Cà Mau' THEN '96'
    WHEN 'An Giang' THEN '91'
    ELSE '' END;
UPDATE enterprise SET province_code = CASE province
    WHEN 'Hà Nội' THEN '01'
    WHEN 'Huế' THEN '46'
    WHEN 'Hải Phòng' THEN '31'
    WHEN 'Đà Nẵng' THEN '48'
    WHEN 'Thành phố Hồ Chí Minh' THEN '79'
    WHEN 'Cần Thơ' THEN '92'
    WHEN 'Lai Châu' THEN '12'
    WHEN 'Điện Biên' THEN '11'
    WHEN 'Sơn La' THEN '14'
    WHEN 'Lạng Sơn' THEN '20'
    WHEN 'Quảng Ninh' THEN '22'
    WHEN 'Thanh Hóa' THEN '38'
    WHEN 'Nghệ An' THEN '40'
    WHEN 'Hà Tĩnh' THEN '42'
    WHEN 'Cao Bằng' THEN '04'
    WHEN 'Tuyên Quang' THEN '08'
    WHEN 'Lào Cai' THEN '15'
    WHEN 'Thái Nguyên' THEN '19'
    WHEN 'Phú Thọ' THEN '25'
    WHEN 'Bắc Ninh' THEN '24'
    WHEN 'Hưng Yên' THEN '33'
    WHEN 'Ninh Bình' THEN '37'
    WHEN 'Quảng Trị' THEN '44'
    WHEN 'Quảng Ngãi' THEN '51'
    WHEN 'Gia Lai' THEN '52'
    WHEN 'Khánh Hòa' THEN '56'
    WHEN 'Lâm Đồng' THEN '68'
    WHEN 'Đắk Lắk' THEN '66'
    WHEN 'Đồng Nai' THEN '75'
    WHEN 'Tây Ninh' THEN '80'
    WHEN 'Vĩnh Long' THEN '86'
    WHEN 'Đồng Tháp' THEN '82'
    WHEN 'Cà Mau' THEN '96'
    WHEN 'An Giang' THEN '91'
    ELSE '' END;
CREATE INDEX facility_province_code ON facility (province_code);
CREATE INDEX enterprise_province_code ON enterprise (province_code);
