//! Portal forms: one description per form (its fields, labels in both
//! languages, input types) renders the form and turns the posted text into
//! the JSON body the API handlers take, so a form and the API share every
//! rule, authorisation check and audit entry. A refused field comes back
//! beside its input, in the page's language.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde_json::{Map, Value};
use std::collections::HashMap;

use super::frame::Chrome;
use super::i18n::Lang;
use super::session::PageUser;
use super::{html_with, PageResult};
use crate::domain::validate::FieldError;
use crate::error::AppError;

/// How a field is typed in and sent on.
#[derive(Clone, Copy)]
pub enum Input {
    /// Text, required: sent as typed (an empty one is refused by the model).
    Text(usize),
    /// A password: hidden as typed, and never written back into the page
    /// (a refused form comes back with it empty), sent untrimmed.
    Password(usize),
    /// Text that may be left empty (sent as `null`, clearing it on edit).
    Optional(usize),
    LongText(usize),
    /// A number; empty is `null`.
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// Vietnam's local time in the browser's picker, sent as RFC 3339.
    LocalTime,
    /// One of fixed choices: (value, Vietnamese, English).
    Choice(&'static [(&'static str, &'static str, &'static str)]),
    /// One of choices read from the database (an id), set with
    /// [`FormBody::with_options`].
    Pick,
}

pub struct Field {
    pub name: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    pub input: Input,
}

pub const fn field(name: &'static str, vi: &'static str, en: &'static str, input: Input) -> Field {
    Field {
        name,
        vi,
        en,
        input,
    }
}

/// One input as the template shows it.
pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub maxlength: usize,
    pub required: bool,
    pub error: Option<String>,
}

impl FieldView {
    pub fn selected(&self, value: &str) -> bool {
        self.value == value
    }
}

/// A form's content, shown by `_form.html` on its own page or inside
/// another (the batch page holds two).
pub struct FormBody {
    pub heading: String,
    /// Shown above the form: what the form will do, for grave actions.
    pub warning: Option<String>,
    pub action: String,
    pub fields: Vec<FieldView>,
    pub submit: String,
    pub danger: bool,
    pub cancel: String,
    pub problem: Option<String>,
    pub csrf: String,
    pub l: Lang,
    /// The label of a photo input (camera first), when the form takes
    /// photos: it is then sent as `multipart/form-data`.
    pub photo: Option<String>,
    /// A checklist answered item by item (the inspection form's, issue
    /// 19), shown before the photos; empty on other forms.
    pub checklist: Vec<CheckRow>,
    /// Sets of checkboxes (the markets a code is submitted to, the codes a
    /// batch came through), after the fields; empty on most forms.
    pub groups: Vec<CheckGroup>,
    /// Rows of inputs (a lab result's analytes), after the fields.
    pub table: Option<FormTable>,
}

/// Checkboxes posted as repeated `name=value` pairs.
pub struct CheckGroup {
    pub name: &'static str,
    pub legend: String,
    /// (value, label, ticked).
    pub options: Vec<(String, String, bool)>,
    pub error: Option<String>,
}

/// Rows of the same inputs, each named `{column}_{row}`: a row left empty
/// is ignored by the page that reads them.
pub struct FormTable {
    pub caption: String,
    pub headings: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
    pub error: Option<String>,
}

/// One input of a [`FormTable`]: a select when it has options.
pub struct TableCell {
    /// The input's name, `analyte_0`.
    pub name: String,
    /// Its column's heading and row, for those who cannot see the table.
    pub label: String,
    pub options: Vec<(String, String)>,
    pub numeric: bool,
    pub value: String,
    pub error: Option<String>,
}

/// One checklist item on a form: answered with radios (none chosen
/// beforehand), with a note for a failed item.
pub struct CheckRow {
    pub code: &'static str,
    pub label: String,
    /// The answer posted (`pass`, `fail`, `not_applicable`), or empty.
    pub answer: String,
    pub note: String,
    pub error: Option<String>,
}

impl CheckRow {
    /// Form-safe id part of the code (`farm.water_tested` → `farm-water_tested`).
    pub fn slug(&self) -> String {
        self.code.replace('.', "-")
    }
}

impl FormBody {
    pub fn new(
        c: &Chrome,
        heading: String,
        action: String,
        cancel: String,
        spec: &[Field],
        values: &HashMap<String, String>,
    ) -> FormBody {
        let l = c.l;
        FormBody {
            fields: spec.iter().map(|f| view(l, f, values)).collect(),
            heading,
            warning: None,
            action,
            submit: l.t("Lưu", "Save").to_owned(),
            danger: false,
            cancel,
            problem: None,
            csrf: c.csrf.clone(),
            l,
            photo: None,
            checklist: Vec::new(),
            groups: Vec::new(),
            table: None,
        }
    }

    /// The error slot of an input or checkbox group named `name`.
    fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            return Some(&mut f.error);
        }
        self.groups
            .iter_mut()
            .find(|g| g.name == name)
            .map(|g| &mut g.error)
    }

    /// The choices of a field whose options come from the database.
    pub fn with_options(mut self, name: &str, options: Vec<(String, String)>) -> FormBody {
        if let Some(f) = self.fields.iter_mut().find(|f| f.name == name) {
            f.options = options;
        }
        self
    }

    /// Puts a refusal beside its field, or above the form when it names
    /// none of them. Returns the status to answer with.
    pub fn mark(&mut self, err: AppError) -> Result<StatusCode, AppError> {
        let status = match &err {
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            other => actix_web::ResponseError::status_code(other),
        };
        if status.is_server_error() {
            return Err(err);
        }
        match err {
            AppError::Invalid { field, message } => {
                let text = translate(self.l, &message);
                match self.slot(&field) {
                    Some(slot) => *slot = Some(text),
                    None => self.problem = Some(format!("{field}: {text}")),
                }
            }
            AppError::Rule(rule) => {
                let text = if self.l == Lang::En { rule.en } else { rule.vi };
                let field = rule.field.unwrap_or_default();
                match self.slot(&field) {
                    Some(slot) => *slot = Some(text),
                    None => self.problem = Some(text),
                }
            }
            AppError::Fields(all) => {
                for rule in all {
                    // A plain field check, merged with others, is worded
                    // once: its Vietnamese comes from `translate`.
                    let text = if self.l == Lang::En {
                        rule.en
                    } else if rule.vi == rule.en {
                        translate(self.l, &rule.vi)
                    } else {
                        rule.vi
                    };
                    self.place(rule.field.as_deref().unwrap_or(""), text);
                }
            }
            AppError::Conflict(m) | AppError::Forbidden(m) | AppError::BadRequest(m) => {
                self.problem = Some(translate(self.l, &m))
            }
            other => self.problem = Some(other.to_string()),
        }
        Ok(status)
    }

    /// Puts one refusal beside the field it names (a form field named like
    /// the API's field, or like its last part: `details.quantity` beside
    /// `quantity`), or above the form.
    fn place(&mut self, field: &str, text: String) {
        if let Some(code) = field.strip_prefix("checklist.") {
            let code = code.strip_suffix(".note").unwrap_or(code);
            if let Some(row) = self.checklist.iter_mut().find(|r| r.code == code) {
                row.error = Some(match row.error.take() {
                    Some(before) => format!("{before}; {text}"),
                    None => text,
                });
                return;
            }
        }
        let short = field.strip_prefix("details.").unwrap_or(field);
        if let Some(g) = self.groups.iter_mut().find(|g| g.name == field) {
            g.error = Some(match g.error.take() {
                Some(before) => format!("{before}; {text}"),
                None => text,
            });
            return;
        }
        let slot = self
            .fields
            .iter_mut()
            .find(|f| f.name == field || f.name == short || f.name == short.replace('.', "_"));
        match slot {
            Some(f) => {
                f.error = Some(match f.error.take() {
                    Some(before) => format!("{before}; {text}"),
                    None => text,
                })
            }
            None => {
                let line = format!("{short}: {text}");
                self.problem = Some(match self.problem.take() {
                    Some(before) => format!("{before}; {line}"),
                    None => line,
                });
            }
        }
    }
}

impl FormBody {
    /// The checklist's answers as (value, label in the page's language).
    pub fn check_answers(&self) -> Vec<(&'static str, &'static str)> {
        crate::domain::checklist::Answer::ALL
            .iter()
            .map(|a| {
                let (vi, en) = a.words();
                (a.as_str(), self.l.t(vi, en))
            })
            .collect()
    }

    /// Puts each refused field's reason beside its input, all at once
    /// (a form that checks every field, as the admin's enterprise edit).
    pub fn mark_each(&mut self, problems: Vec<FieldError>) -> StatusCode {
        for problem in problems {
            let text = translate(self.l, &problem.message);
            match self.fields.iter_mut().find(|f| f.name == problem.field) {
                Some(f) => f.error = Some(text),
                None => {
                    let line = format!("{}: {text}", problem.field);
                    self.problem = Some(match self.problem.take() {
                        Some(before) => format!("{before}; {line}"),
                        None => line,
                    });
                }
            }
        }
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// A page that is one form.
#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub form: FormBody,
    /// A portal script this form loads (a static file: the CSP allows
    /// only the site's own scripts), e.g. the facility form's location.
    pub script: Option<&'static str>,
}

impl FormPage {
    pub fn new(
        c: Chrome,
        heading: String,
        action: String,
        cancel: String,
        spec: &[Field],
        values: &HashMap<String, String>,
    ) -> FormPage {
        let form = FormBody::new(&c, heading, action, cancel, spec, values);
        FormPage {
            c,
            form,
            script: None,
        }
    }

    pub fn with_script(mut self, src: &'static str) -> FormPage {
        self.script = Some(src);
        self
    }

    pub fn with_options(mut self, name: &str, options: Vec<(String, String)>) -> FormPage {
        self.form = self.form.with_options(name, options);
        self
    }

    /// Runs the form's write: on success on to `next` (303), else the form
    /// again with the refusal shown.
    pub async fn submit<T>(
        self,
        write: impl std::future::Future<Output = Result<T, AppError>>,
        next: &str,
    ) -> PageResult {
        match write.await {
            Ok(_) => Ok(super::see_other(next)),
            Err(err) => self.refused(err),
        }
    }

    /// The form again with the refusal shown (422, or the error's own 4xx).
    pub fn refused(mut self, err: AppError) -> PageResult {
        let status = self.form.mark(err)?;
        html_with(status, &self)
    }

    /// The form again (422) with every refused field shown beside its input.
    pub fn refused_each(mut self, problems: Vec<FieldError>) -> PageResult {
        let status = self.form.mark_each(problems);
        html_with(status, &self)
    }
}

fn view(l: Lang, f: &Field, values: &HashMap<String, String>) -> FieldView {
    let (kind, maxlength, options, required) = match f.input {
        Input::Text(max) => ("text", max, Vec::new(), true),
        Input::Password(max) => ("password", max, Vec::new(), true),
        Input::Optional(max) => ("text", max, Vec::new(), false),
        Input::LongText(max) => ("textarea", max, Vec::new(), true),
        Input::Number => ("number", 32, Vec::new(), false),
        Input::Date => ("date", 10, Vec::new(), false),
        Input::LocalTime => ("datetime-local", 16, Vec::new(), true),
        Input::Pick => ("select", 0, Vec::new(), true),
        Input::Choice(choices) => (
            "select",
            0,
            choices
                .iter()
                .map(|(value, vi, en)| ((*value).to_owned(), l.t(vi, en).to_owned()))
                .collect(),
            true,
        ),
    };
    FieldView {
        name: f.name,
        label: l.t(f.vi, f.en).to_owned(),
        kind,
        value: match f.input {
            Input::Password(_) => String::new(),
            _ => values.get(f.name).cloned().unwrap_or_default(),
        },
        options,
        maxlength,
        required,
        error: None,
    }
}

/// The posted form as the JSON body of the matching API request. A value
/// that cannot even be typed (a number that is not one) is refused here,
/// naming its field.
pub fn to_json(spec: &[Field], posted: &HashMap<String, String>) -> Result<Value, AppError> {
    let mut body = Map::new();
    for f in spec {
        let raw = posted.get(f.name).map(|v| v.trim()).unwrap_or("");
        let value = match f.input {
            Input::Password(_) => Value::String(posted.get(f.name).cloned().unwrap_or_default()),
            Input::Text(_) | Input::LongText(_) | Input::Choice(_) | Input::Pick => {
                Value::String(raw.to_owned())
            }
            Input::Optional(_) | Input::Date if raw.is_empty() => Value::Null,
            Input::Optional(_) | Input::Date => Value::String(raw.to_owned()),
            Input::Number if raw.is_empty() => Value::Null,
            Input::Number => {
                let number: f64 = raw
                    .replace(',', ".")
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or_else(|| AppError::invalid(f.name, "must be a number"))?;
                serde_json::Number::from_f64(number)
                    .map(Value::Number)
                    .ok_or_else(|| AppError::invalid(f.name, "must be a number"))?
            }
            Input::LocalTime => Value::String(local_to_rfc3339(f.name, raw)?),
        };
        body.insert(f.name.to_owned(), value);
    }
    Ok(Value::Object(body))
}

/// A whole-number field (`count`, `shelf_life_days`) after [`to_json`].
pub fn whole_numbers(body: &mut Value, names: &[&str]) -> Result<(), AppError> {
    for name in names {
        if let Some(slot) = body.get_mut(*name) {
            if let Some(n) = slot.as_f64() {
                if n.fract() != 0.0 || n.abs() > 1e15 {
                    return Err(AppError::invalid(name, "must be a whole number"));
                }
                *slot = Value::from(n as i64);
            }
        }
    }
    Ok(())
}

/// A list's empty choice ("none") after [`to_json`]: an absent value, not
/// an id of "".
pub fn blank_to_null(body: &mut Value, names: &[&str]) {
    for name in names {
        if body.get(*name).and_then(|v| v.as_str()) == Some("") {
            body[*name] = Value::Null;
        }
    }
}

/// `2026-11-23T14:05` typed in Vietnam → `2026-11-23T14:05:00+07:00`.
fn local_to_rfc3339(name: &str, raw: &str) -> Result<String, AppError> {
    let parsed = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::invalid(name, "must be a date and time"))?;
    Ok(format!("{}+07:00", parsed.format("%Y-%m-%dT%H:%M:%S")))
}

/// The body for a handler, or the refusal of a field whose value has the
/// wrong shape for it.
pub fn body_of<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, AppError> {
    serde_json::from_value(body)
        .map_err(|e| AppError::BadRequest(format!("the form does not fit: {e}")))
}

/// The model's messages (English, for the API) in the page's language.
pub fn translate(l: Lang, message: &str) -> String {
    if l == Lang::En {
        return message.to_owned();
    }
    let exact = match message {
        "must not be empty" | "is required" => Some("không được để trống"),
        "must not contain control characters" => Some("không được chứa ký tự điều khiển"),
        "must be a number" => Some("phải là một số"),
        "must be a whole number" => Some("phải là số nguyên"),
        "must be a positive number" => Some("phải là số dương"),
        "must be a date written YYYY-MM-DD" => Some("phải là ngày hợp lệ (năm-tháng-ngày)"),
        "must be a date and time" => Some("phải là ngày giờ hợp lệ"),
        "is in the future" => Some("không được ở tương lai"),
        "must be an http(s) URL" => Some("phải là địa chỉ http(s)"),
        "is not an e-mail address" => Some("không phải địa chỉ e-mail"),
        "is not a telephone number" => Some("không phải số điện thoại"),
        "no such product" => Some("không có sản phẩm này"),
        "no such facility" => Some("không có cơ sở này"),
        "no such enterprise" => Some("không có doanh nghiệp này"),
        "belongs to another enterprise" => Some("thuộc doanh nghiệp khác"),
        "cannot be changed" => Some("không được thay đổi"),
        "must be 1 to 20 characters" => Some("phải dài từ 1 đến 20 ký tự"),
        "a username is 1–64 characters of letters, digits, '.', '_' and '-'" => {
            Some("tên đăng nhập dài 1–64 ký tự, gồm chữ, chữ số, '.', '_' và '-'")
        }
        "the current password is wrong" => Some("mật khẩu hiện tại không đúng"),
        "the password must have at least 8 characters" => Some("mật khẩu phải có ít nhất 8 ký tự"),
        "the password must have at most 256 characters" => {
            Some("mật khẩu chỉ được tối đa 256 ký tự")
        }
        "the two new passwords differ" => Some("hai lần nhập mật khẩu mới không giống nhau"),
        "tick the box to confirm that this account is to be locked" => {
            Some("hãy đánh dấu ô xác nhận rằng tài khoản này sẽ bị khóa")
        }
        "an admin cannot disable their own account" => {
            Some("quản trị viên không thể tự khóa tài khoản của chính mình")
        }
        "must be 10 digits, or 10 digits, '-' and 3 digits (mã số thuế)" => {
            Some("phải gồm 10 chữ số, hoặc 10 chữ số, '-' và 3 chữ số")
        }
        "must be 7 to 10 digits starting with 893 (GS1 Vietnam)" => {
            Some("phải gồm 7 đến 10 chữ số, bắt đầu bằng 893 (GS1 Việt Nam)")
        }
        "must be a Zalo link: https://zalo.me/ followed by a phone number or an account id" => {
            Some("phải là liên kết Zalo: https://zalo.me/ rồi số điện thoại hoặc mã tài khoản")
        }
        "an enterprise with this tax code is already registered" => {
            Some("đã có doanh nghiệp đăng ký với mã số thuế này")
        }
        "a producer needs an enterprise and no province" => {
            Some("nhà sản xuất cần chọn một doanh nghiệp, không chọn tỉnh")
        }
        "a regulator needs a province and no enterprise" => {
            Some("cán bộ quản lý cần chọn một tỉnh / thành phố, không chọn doanh nghiệp")
        }
        "an admin has neither an enterprise nor a province" => {
            Some("quản trị viên không thuộc doanh nghiệp hay tỉnh nào")
        }
        "must be one of admin, producer, regulator" => {
            Some("phải là Quản trị viên, Nhà sản xuất hoặc Cán bộ quản lý")
        }
        "an admin cannot change their own role" => {
            Some("quản trị viên không thể tự đổi vai trò của chính mình")
        }
        "the batch is already recalled" => Some("lô hàng đã bị thu hồi rồi"),
        "choose a result" => Some("hãy chọn kết quả kiểm tra"),
        "must end after the certificate it renews" => {
            Some("phải hết hạn sau chứng nhận được gia hạn")
        }
        "the batch is not recalled" => Some("lô hàng không bị thu hồi"),
        _ => None,
    };
    if let Some(text) = exact {
        return text.to_owned();
    }
    if let Some(rest) = message.strip_prefix("must be one of ") {
        return format!("phải là một trong: {rest}");
    }
    if let Some((name, _)) = message.split_once(" is not a Vietnamese province") {
        return format!("{name} không phải tỉnh / thành phố của Việt Nam");
    }
    if let Some(name) = message
        .strip_prefix("the username ")
        .and_then(|rest| rest.strip_suffix(" is taken"))
    {
        return format!("tên đăng nhập {name} đã có người dùng");
    }
    if message
        .strip_prefix("this batch is recalled because of input batch ")
        .is_some_and(|rest| rest.ends_with("; lift that recall instead"))
    {
        return "lô này bị thu hồi theo một lô đầu vào: hãy dỡ bỏ thu hồi của lô đó".to_owned();
    }
    if let Some(rest) = message.strip_prefix("must be between ") {
        return format!("phải nằm trong khoảng {}", rest.replace(" and ", " đến "));
    }
    if let Some(rest) = message.strip_prefix("must not be before ") {
        return format!("không được trước {rest}");
    }
    if message.contains("characters long; at most") {
        let numbers: Vec<&str> = message
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .collect();
        if let [length, max, ..] = numbers.as_slice() {
            return format!("dài {length} ký tự; tối đa {max} ký tự");
        }
    }
    message.to_owned()
}

/// A posted form whose checkboxes repeat a name.
pub type PostedPairs = web::Form<Vec<(String, String)>>;

/// A posted form's single values, and every pair as posted.
pub type Pairs = (HashMap<String, String>, Vec<(String, String)>);

/// The single values of a posted form (the last of a repeated name) and
/// every value of each name, once its CSRF token is checked.
pub fn checked_pairs(user: &PageUser, posted: PostedPairs) -> Result<Pairs, AppError> {
    let pairs = posted.into_inner();
    let values: HashMap<String, String> = pairs.iter().cloned().collect();
    user.check_csrf(values.get("csrf").map(String::as_str).unwrap_or(""))?;
    Ok((values, pairs))
}

/// Every value posted under `name`.
pub fn all_of(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[Field] = &[
        field("name", "Tên", "Name", Input::Text(10)),
        field("note", "Ghi chú", "Note", Input::Optional(10)),
        field("quantity", "Số lượng", "Quantity", Input::Number),
        field("at", "Lúc", "At", Input::LocalTime),
    ];

    fn posted(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_form_becomes_the_api_body() {
        let body = to_json(
            SPEC,
            &posted(&[
                ("name", " Bưởi "),
                ("quantity", "2,5"),
                ("at", "2026-11-23T14:05"),
            ]),
        )
        .unwrap();
        assert_eq!(
            body,
            serde_json::json!({"name": "Bưởi", "note": null, "quantity": 2.5, "at": "2026-11-23T14:05:00+07:00"})
        );
    }

    #[test]
    fn untypable_values_name_their_field() {
        let err = to_json(
            SPEC,
            &posted(&[("quantity", "many"), ("at", "2026-11-23T14:05")]),
        )
        .unwrap_err();
        assert!(matches!(err, AppError::Invalid { ref field, .. } if field == "quantity"));
        let err = to_json(SPEC, &posted(&[("at", "yesterday")])).unwrap_err();
        assert!(matches!(err, AppError::Invalid { ref field, .. } if field == "at"));
    }

    #[test]
    fn model_messages_read_in_vietnamese() {
        assert_eq!(
            translate(Lang::Vi, "must not be empty"),
            "không được để trống"
        );
        assert_eq!(
            translate(Lang::Vi, "is 300 characters long; at most 200 are allowed"),
            "dài 300 ký tự; tối đa 200 ký tự"
        );
        assert_eq!(
            translate(Lang::En, "must not be empty"),
            "must not be empty"
        );
        assert_eq!(
            translate(Lang::Vi, "\"Atlantis\" is not a Vietnamese province (for example \"Vĩnh Long\", \"Cần Thơ\")"),
            "\"Atlantis\" không phải tỉnh / thành phố của Việt Nam"
        );
        assert_eq!(
            translate(Lang::Vi, "the username producer2 is taken"),
            "tên đăng nhập producer2 đã có người dùng"
        );
    }
}
