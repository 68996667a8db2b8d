//! What every page's frame shows around its content (`base.html`): the
//! language and its switch, who is logged in and where they can go, the
//! logout form's CSRF token, a one-line notice after a change, Open Graph
//! tags for shared links.

use actix_web::HttpRequest;

use super::i18n::Lang;

pub struct Chrome {
    pub l: Lang,
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf: String,
    /// This page in another language: this, then the language's code.
    pub switch_base: String,
    /// The languages the page exists in: Vietnamese and English, and on
    /// consumer pages Chinese ([`Chrome::consumer`]).
    pub langs: &'static [Lang],
    pub flash: Option<String>,
    pub og: Option<OpenGraph>,
    /// The one address to trust (shown in the footer against look-alike sites).
    pub official: String,
}

pub struct NavUser {
    pub username: String,
    pub links: Vec<NavLink>,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

pub struct OpenGraph {
    pub title: String,
    pub description: String,
    pub url: String,
    pub image: Option<String>,
}

impl Chrome {
    /// The frame of a public page (no one logged in).
    pub fn public(l: Lang, title: impl Into<String>, official: &str) -> Chrome {
        Chrome {
            l,
            title: title.into(),
            user: None,
            csrf: String::new(),
            switch_base: "?lang=".to_owned(),
            langs: &[Lang::Vi, Lang::En],
            flash: None,
            og: None,
            official: official.to_owned(),
        }
    }

    /// Points the language switch at this request's path and query, with
    /// only `lang` changed.
    pub fn switching_on(mut self, req: &HttpRequest) -> Chrome {
        let kept: Vec<&str> = req
            .query_string()
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("lang=") && *pair != "lang")
            .collect();
        let mut href = format!("{}?", req.path());
        for pair in kept {
            href.push_str(pair);
            href.push('&');
        }
        href.push_str("lang=");
        self.switch_base = href;
        self
    }

    /// A consumer page: its switch offers Chinese too.
    pub fn consumer(mut self) -> Chrome {
        self.langs = &[Lang::Vi, Lang::En, Lang::Zh];
        self
    }

    /// The links to this page in its other languages.
    pub fn switches(&self) -> impl Iterator<Item = (String, Lang)> + '_ {
        self.langs
            .iter()
            .filter(|other| **other != self.l)
            .map(|other| (format!("{}{}", self.switch_base, other.code()), *other))
    }
}
