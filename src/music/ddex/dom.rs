//! A minimal element tree read with quick-xml, for the checks and readers
//! in this module. ERN messages are at most a few megabytes, so holding one
//! in memory is cheaper to get right than a streaming state machine.
//!
//! Names are local names (`ern:NewReleaseMessage` → `NewReleaseMessage`);
//! text is unescaped, with character and predefined entity references
//! resolved (quick-xml 0.38 reports those as separate events).

use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use super::error::DdexError;

#[derive(Debug, Default)]
pub(super) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Concatenated direct text content.
    pub text: String,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first element reached by following `path` from here.
    pub fn find(&self, path: &[&str]) -> Option<&Element> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => self.children.iter().filter(|c| c.name == *first).find_map(|c| c.find(rest)),
        }
    }

    /// Trimmed text of the first element at `path`.
    pub fn text_at(&self, path: &[&str]) -> Option<String> {
        self.find(path).map(|e| e.text.trim().to_owned())
    }

    /// Depth-first visit of this element and all its descendants, with the parent name.
    pub fn walk<'a>(&'a self, parent: &str, f: &mut impl FnMut(&'a Element, &str)) {
        f(self, parent);
        for c in &self.children {
            c.walk(&self.name, f);
        }
    }
}

/// Parses a whole document and returns its root element.
pub(super) fn parse(xml: &str) -> Result<Element, DdexError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        match reader.read_event()? {
            Event::Start(e) => stack.push(element(&e)?),
            Event::Empty(e) => {
                let el = element(&e)?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| DdexError::Xml("unbalanced end tag".into()))?;
                attach(&mut stack, &mut root, el)?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| DdexError::Xml(e.to_string()))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.decode().map_err(|e| DdexError::Xml(e.to_string()))?);
                }
            }
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()?.map(String::from)
                } else {
                    let name = r.decode().map_err(|e| DdexError::Xml(e.to_string()))?;
                    resolve_predefined_entity(&name).map(str::to_owned)
                };
                let text = resolved.ok_or_else(|| DdexError::Xml("unknown entity reference".into()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(DdexError::Xml("document ends inside an element".into()));
    }
    root.ok_or_else(|| DdexError::Xml("no root element".into()))
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, el: Element) -> Result<(), DdexError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None if root.is_none() => *root = Some(el),
        None => return Err(DdexError::Xml("more than one root element".into())),
    }
    Ok(())
}

fn element(e: &BytesStart<'_>) -> Result<Element, DdexError> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| DdexError::Xml(err.to_string()))?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        attrs.push((key, a.unescape_value()?.into_owned()));
    }
    Ok(Element { name, attrs, ..Element::default() })
}
