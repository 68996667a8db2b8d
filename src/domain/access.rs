//! Who a caller is and what it may reach: pure data that every layer reads
//! (models filter by `Scope`, services decide by `Role`), so it lives below
//! them all; `auth` only establishes it from a session or token.

/// What an account is bound to decides what it may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Admin,
    /// A producer acts for exactly one enterprise.
    Producer {
        enterprise_id: String,
    },
    /// A regulator oversees exactly one province.
    Regulator {
        province: String,
    },
}

/// The authenticated account behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: String,
    pub username: String,
    pub role: Role,
    /// The session or API token that authenticated this request.
    pub token_id: String,
}

/// The rows a caller may read: the basis of every query's tenant filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Enterprise(String),
    /// A province's official code (`domain::admin_units`).
    Province(String),
}

impl Scope {
    /// Whether a lot of `enterprise_id`, at a facility in the province
    /// named `facility_province`, is within this scope: the reach of a
    /// trace and of the FSMA 204 export alike.
    pub fn reaches(&self, enterprise_id: &str, facility_province: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Enterprise(e) => enterprise_id == e,
            Scope::Province(code) => {
                super::admin_units::province_code(facility_province) == Some(code.as_str())
            }
        }
    }
}

impl Caller {
    /// A tool acting with an admin's rights and no account (the demo loader,
    /// the command line): audit entries name it without an account id.
    pub fn system(name: &str) -> Self {
        Caller {
            account_id: String::new(),
            username: name.to_owned(),
            role: Role::Admin,
            token_id: String::new(),
        }
    }

    pub fn scope(&self) -> Scope {
        match &self.role {
            Role::Admin => Scope::All,
            Role::Producer { enterprise_id } => Scope::Enterprise(enterprise_id.clone()),
            // The account names its province; rows are compared by code,
            // which outlives a renaming. A name that maps to no code
            // matches no row.
            Role::Regulator { province } => Scope::Province(
                crate::domain::admin_units::province_code(province)
                    .unwrap_or_default()
                    .to_owned(),
            ),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller may change the registry rows of `enterprise_id`:
    /// its own producers and admins; regulators never write a producer's rows.
    pub fn may_edit_enterprise(&self, enterprise_id: &str) -> bool {
        match &self.role {
            Role::Admin => true,
            Role::Producer { enterprise_id: own } => own == enterprise_id,
            Role::Regulator { .. } => false,
        }
    }

    /// A label for the audit log.
    pub fn actor(&self) -> String {
        self.username.clone()
    }
}
