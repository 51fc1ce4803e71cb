//! The wizard's choices in plain words: each API id with its label, one line of explanation and the
//! provision behind it, from `policy/labels-v1.toml` and the policy in force. The form still posts
//! the ids.

use attune_domain::compliance::{Autonomy, DerogationGround, Level, Policy, SECTORS, TrainingMethod};
use attune_domain::labels::{Labels, OFFERED_JURISDICTIONS, Vocabulary};

/// One choice of a group of checkboxes or a select.
pub struct Choice {
    pub id: String,
    pub label: String,
    pub help: String,
    pub article: Option<String>,
    /// Checked (or selected) in the answers shown.
    pub chosen: bool,
}

impl Choice {
    /// `id` in `vocabulary`, chosen when `chosen` lists it. The article is the policy's own where it
    /// carries one (`policy_article`), else the label file's.
    fn of(vocabulary: Vocabulary, id: &str, chosen: &[String], policy_article: Option<&str>) -> Choice {
        let words = Labels::enforced().get(vocabulary, id);
        Choice {
            id: id.to_string(),
            label: words.map_or_else(|| id.to_string(), |w| w.label.clone()),
            help: words.map(|w| w.help.clone()).unwrap_or_default(),
            article: policy_article.map(str::to_string).or_else(|| words.and_then(|w| w.article.clone())),
            chosen: chosen.iter().any(|c| c == id),
        }
    }

    /// The HTML id of this choice's input within the group `name`.
    pub fn input_id(&self, name: &str) -> String {
        format!("{name}-{}", self.id)
    }
}

fn all<'a>(vocabulary: Vocabulary, ids: impl IntoIterator<Item = &'a str>, chosen: &[String]) -> Vec<Choice> {
    ids.into_iter().map(|id| Choice::of(vocabulary, id, chosen, None)).collect()
}

/// The sectors, with the legal reference of those that set a floor (Annex I or III): the label
/// file's short form, else the policy's own reference.
pub fn sectors(chosen: &[String]) -> Vec<Choice> {
    let policy = Policy::current().ok();
    SECTORS
        .iter()
        .map(|id| {
            let mut choice = Choice::of(Vocabulary::Sectors, id, chosen, None);
            if choice.article.is_none() {
                choice.article = policy.and_then(|p| p.sector(id)).map(|s| s.reference.clone()).filter(|r| !r.is_empty());
            }
            choice
        })
        .collect()
}

/// Exactly the Art. 5 practices the policy in force knows, each with its point of Art. 5(1).
pub fn practices(chosen: &[String]) -> Vec<Choice> {
    let Ok(policy) = Policy::current() else { return Vec::new() };
    policy.prohibited_practices().iter().map(|p| Choice::of(Vocabulary::ProhibitedPractices, &p.id, chosen, Some(&p.article))).collect()
}

/// The policy's `functions` vocabulary.
pub fn functions(chosen: &[String]) -> Vec<Choice> {
    let Ok(policy) = Policy::current() else { return Vec::new() };
    all(Vocabulary::Functions, policy.functions().iter().map(|f| f.id.as_str()), chosen)
}

pub fn jurisdictions(chosen: &[String]) -> Vec<Choice> {
    all(Vocabulary::Jurisdictions, OFFERED_JURISDICTIONS, chosen)
}

pub fn autonomy(chosen: &str) -> Vec<Choice> {
    all(Vocabulary::Autonomy, Autonomy::ALL.iter().map(|a| a.as_str()), &[chosen.to_string()])
}

pub fn revenue_dependence(chosen: &str) -> Vec<Choice> {
    all(Vocabulary::RevenueDependence, Level::ALL.iter().map(|l| l.as_str()), &[chosen.to_string()])
}

pub fn training_methods(chosen: &str) -> Vec<Choice> {
    all(Vocabulary::TrainingMethods, TrainingMethod::ALL.iter().map(|m| m.as_str()), &[chosen.to_string()])
}

pub fn derogation_grounds(chosen: &str) -> Vec<Choice> {
    all(Vocabulary::DerogationGrounds, DerogationGround::ALL.iter().map(|g| g.as_str()), &[chosen.to_string()])
}

/// The label of `id` in `vocabulary` (the id itself where there is none).
pub fn label(vocabulary: Vocabulary, id: &str) -> String {
    Labels::enforced().label(vocabulary, id).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_practice_is_offered_in_plain_words_with_its_point_of_article_5() {
        let chosen = vec!["emotion_recognition_workplace_education".to_string()];
        let practices = practices(&chosen);
        let emotion = practices.iter().find(|p| p.id == "emotion_recognition_workplace_education").unwrap();
        assert_eq!(emotion.label, "Emotion recognition at work or in education");
        assert_eq!(emotion.article.as_deref(), Some("AI Act Art. 5(1)(f)"));
        assert!(emotion.chosen && !emotion.help.is_empty());
        assert_eq!(practices.iter().filter(|p| p.chosen).count(), 1);
    }

    #[test]
    fn a_sector_with_a_floor_cites_its_annex() {
        let credit = sectors(&[]).into_iter().find(|s| s.id == "credit_scoring").unwrap();
        assert!(credit.article.as_deref().unwrap().contains("Annex III point 5(b)"), "{:?}", credit.article);
        assert_ne!(credit.label, "credit_scoring");
    }
}
