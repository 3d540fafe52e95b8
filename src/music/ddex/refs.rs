//! Reference integrity of an ERN message.
//!
//! ERN links its parts through message-local anchors: parties `P…`,
//! resources `A…`, releases `R…`, technical details `T…`, release
//! visibilities `V…`, chapters `X…` and cue sheets `Q…`. The schema types
//! them as `xs:ID`/`xs:IDREF`, so a validating parser only checks that a
//! reference names *some* anchor in the document — `ArtistPartyReference`
//! pointing at resource `A1` passes, and plain (non-validating) recipients
//! check nothing. [`check_references`] checks that each reference resolves to
//! an anchor *of the kind the element expects*, and that no anchor is
//! declared twice.

use std::collections::{HashMap, HashSet};

use super::dom;
use super::error::DdexError;

/// Elements that declare an anchor, and the anchor kind (its prefix letter).
const DECLARATIONS: &[(&str, char)] = &[
    ("PartyReference", 'P'),
    ("ResourceReference", 'A'),
    ("ReleaseReference", 'R'),
    ("TechnicalResourceDetailsReference", 'T'),
    ("VisibilityReference", 'V'),
    ("ChapterReference", 'X'),
    ("CueSheetReference", 'Q'),
];

/// Elements that refer to an anchor, and the kind they must refer to.
/// Taken from every `xs:IDREF` element of the ERN 4.3 schema.
const USES: &[(&str, char)] = &[
    ("ArtistPartyReference", 'P'),
    ("CharacterPartyReference", 'P'),
    ("ContributorPartyReference", 'P'),
    ("PartyAffiliateReference", 'P'),
    ("PartyRelatedPartyReference", 'P'),
    ("RecordCompanyPartyReference", 'P'),
    ("RightsControllerPartyReference", 'P'),
    ("ReleaseLabelReference", 'P'),
    ("DealResourceReference", 'A'),
    ("ReleaseResourceReference", 'A'),
    ("LinkedReleaseResourceReference", 'A'),
    ("RepresentativeImageReference", 'A'),
    ("ResourceContainedResourceReference", 'A'),
    ("ResourceRelatedResourceReference", 'A'),
    ("DealReleaseReference", 'R'),
    ("ResourceGroupReleaseReference", 'R'),
    ("ResourceReleaseReference", 'R'),
    ("DealTechnicalResourceDetailsReference", 'T'),
    ("ReleaseVisibilityReference", 'V'),
    ("AudioChapterReference", 'X'),
    ("VideoChapterReference", 'X'),
    ("VideoCueSheetReference", 'Q'),
];

fn kind_name(k: char) -> &'static str {
    match k {
        'P' => "party",
        'A' => "resource",
        'R' => "release",
        'T' => "technical details",
        'V' => "release visibility",
        'X' => "chapter",
        'Q' => "cue sheet",
        _ => "anchor",
    }
}

/// Parses `xml` and checks that every P…/A…/R…/T…/V…/X…/Q… reference it
/// uses is declared, as an anchor of the right kind, exactly once.
///
/// Returns [`DdexError::DanglingReferences`] listing every problem found
/// (not just the first), [`DdexError::DuplicateReference`] for an anchor
/// declared twice, or an XML error if the text does not parse.
pub fn check_references(xml: &str) -> Result<(), DdexError> {
    let root = dom::parse(xml)?;
    let declarations: HashMap<&str, char> = DECLARATIONS.iter().copied().collect();
    let uses: HashMap<&str, char> = USES.iter().copied().collect();

    let mut declared: HashSet<String> = HashSet::new();
    let mut used: Vec<(String, char, String)> = Vec::new();
    let mut duplicate: Option<String> = None;
    let mut problems = Vec::new();
    root.walk("", &mut |el, _parent| {
        // Only leaves carry anchor values; some names also denote a wrapper composite.
        if !el.children.is_empty() {
            return;
        }
        let value = el.text.trim();
        if let Some(&kind) = declarations.get(el.name.as_str()) {
            if !value.starts_with(kind) {
                problems.push(format!("{} {value:?} must start with {kind}", el.name));
            }
            if !declared.insert(value.to_owned()) && duplicate.is_none() {
                duplicate = Some(value.to_owned());
            }
        } else if let Some(&kind) = uses.get(el.name.as_str()) {
            used.push((el.name.clone(), kind, value.to_owned()));
        }
    });
    if let Some(d) = duplicate {
        return Err(DdexError::DuplicateReference(d));
    }

    // The prefix letter is part of the anchor, so checking the prefix and the
    // presence of the exact value checks the kind too.
    for (element, kind, value) in used {
        if !value.starts_with(kind) {
            problems.push(format!("{element} {value:?} must refer to a {} ({kind}…)", kind_name(kind)));
        } else if !declared.contains(&value) {
            problems.push(format!("{element} {value} refers to a {} that is not declared", kind_name(kind)));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(DdexError::DanglingReferences(problems)) }
}
