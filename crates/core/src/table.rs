//! The employee table's sorting and live search, pure so every page (and the archive writer)
//! orders and filters members the same way.
//!
//! Both work on the cells of [`Employee::cell`], so what is sorted and searched is exactly what
//! is shown, the derived `ROLE` included.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use crate::model::{Employee, Institution, PUNCTAJ, RANK, ULTIMA_MOD};

// The form the table sorts and searches text in; pages use it to order their own lists alike.
pub use crate::text::fold;

/// Sort direction of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Ascending,
    Descending,
}

/// Which column the table is sorted by. The default is the leaderboard: `PUNCTAJ` descending.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SortOrder {
    pub column: String,
    pub direction: Direction,
}

impl Default for SortOrder {
    fn default() -> Self {
        Self {
            column: PUNCTAJ.to_owned(),
            direction: Direction::Descending,
        }
    }
}

impl SortOrder {
    /// The order after a click on `column`'s header: the same column flips direction; another
    /// column starts where a reader expects it to (highest score, most recent change, A to Z).
    pub fn clicked(&self, column: &str) -> Self {
        let direction = if self.column == column {
            match self.direction {
                Direction::Ascending => Direction::Descending,
                Direction::Descending => Direction::Ascending,
            }
        } else if column == PUNCTAJ || column == ULTIMA_MOD {
            Direction::Descending
        } else {
            Direction::Ascending
        };
        Self {
            column: column.to_owned(),
            direction,
        }
    }
}

/// Sorts `employees` of `institution` by `order`.
///
/// `PUNCTAJ` and `RANK` compare as numbers, `ULTIMA_MOD` chronologically with never-changed rows
/// last in either direction, every other column as folded text (see [`fold`]). Ties are broken
/// by id ascending, so the order never depends on the order the rows arrived in.
pub fn sort_employees(employees: &mut [&Employee], institution: &Institution, order: &SortOrder) {
    let key = |employee: &Employee| -> SortKey {
        match order.column.as_str() {
            PUNCTAJ => SortKey::Number(employee.punctaj.into()),
            RANK => SortKey::Number(employee.rank.into()),
            ULTIMA_MOD => SortKey::Time(employee.ultima_mod),
            column => SortKey::Text(fold(&employee.cell(institution, column).to_string())),
        }
    };
    let mut keyed: Vec<(SortKey, &Employee)> = employees
        .iter()
        .map(|employee| (key(employee), *employee))
        .collect();
    keyed.sort_by(|(a_key, a), (b_key, b)| {
        a_key
            .compare(b_key, order.direction)
            .then_with(|| a.id.cmp(&b.id))
    });
    for (slot, (_, employee)) in employees.iter_mut().zip(keyed) {
        *slot = employee;
    }
}

/// The employees of `institution` whose visible cells contain `query`, ignoring case and
/// diacritics (`"stefan"` finds `"Ștefan"`); a blank query keeps everyone. Input order is kept.
pub fn search_employees<'a>(
    employees: &'a [Employee],
    institution: &Institution,
    query: &str,
) -> Vec<&'a Employee> {
    let needle = fold(query.trim());
    employees
        .iter()
        .filter(|employee| {
            needle.is_empty()
                || institution.columns.iter().any(|column| {
                    fold(&employee.cell(institution, column).to_string()).contains(&needle)
                })
        })
        .collect()
}

enum SortKey {
    Number(i64),
    Time(Option<DateTime<Utc>>),
    Text(String),
}

impl SortKey {
    fn compare(&self, other: &Self, direction: Direction) -> Ordering {
        let directed = |ordering: Ordering| match direction {
            Direction::Ascending => ordering,
            Direction::Descending => ordering.reverse(),
        };
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => directed(a.cmp(b)),
            (Self::Text(a), Self::Text(b)) => directed(a.cmp(b)),
            // Missing times stay last whatever the direction: "never" is not a point in time.
            (Self::Time(a), Self::Time(b)) => match (a, b) {
                (Some(a), Some(b)) => directed(a.cmp(b)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            // One sort uses one column, so keys are always of one kind.
            _ => Ordering::Equal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ROLE;
    use crate::model::tests::{employee, institution};
    use chrono::TimeZone;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn politie() -> Institution {
        institution(2, 1, "Politie", &["Offiter", "Caporal", "Șerif"])
    }

    fn named(id: &str, rank: i32, punctaj: i32, discord: &str) -> Employee {
        let mut member = employee(id, 2, rank, punctaj);
        member
            .fields
            .insert("DISCORD".to_owned(), discord.to_owned());
        member
    }

    fn sorted_ids(employees: &[Employee], order: &SortOrder) -> Vec<String> {
        let mut refs: Vec<&Employee> = employees.iter().collect();
        sort_employees(&mut refs, &politie(), order);
        refs.iter().map(|employee| employee.id.clone()).collect()
    }

    fn order(column: &str, direction: Direction) -> SortOrder {
        SortOrder {
            column: column.to_owned(),
            direction,
        }
    }

    #[test]
    fn default_is_points_descending_with_ties_by_id() {
        let members = [
            named("c", 1, 10, "x"),
            named("a", 1, 10, "y"),
            named("b", 1, 44, "z"),
            named("d", 1, 9, "w"),
        ];
        assert_eq!(
            sorted_ids(&members, &SortOrder::default()),
            ["b", "a", "c", "d"]
        );
    }

    #[test]
    fn points_and_rank_compare_as_numbers_not_text() {
        let members = [
            named("a", 10, 100, ""),
            named("b", 9, 20, ""),
            named("c", 2, 3, ""),
        ];
        assert_eq!(
            sorted_ids(&members, &order(PUNCTAJ, Direction::Ascending)),
            ["c", "b", "a"]
        );
        assert_eq!(
            sorted_ids(&members, &order(RANK, Direction::Ascending)),
            ["c", "b", "a"]
        );
        assert_eq!(
            sorted_ids(&members, &order(RANK, Direction::Descending)),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn never_changed_rows_stay_last_in_both_directions() {
        let at = |h| Some(Utc.with_ymd_and_hms(2026, 3, 7, h, 0, 0).unwrap());
        let mut members = [
            named("never", 1, 0, ""),
            named("late", 1, 0, ""),
            named("early", 1, 0, ""),
        ];
        members[1].ultima_mod = at(20);
        members[2].ultima_mod = at(8);
        assert_eq!(
            sorted_ids(&members, &order(ULTIMA_MOD, Direction::Ascending)),
            ["early", "late", "never"]
        );
        assert_eq!(
            sorted_ids(&members, &order(ULTIMA_MOD, Direction::Descending)),
            ["late", "early", "never"]
        );
    }

    #[test]
    fn text_sorts_ignore_case_and_diacritics_then_id() {
        let members = [
            named("1", 1, 0, "bogdan"),
            named("2", 1, 0, "Ștefan"),
            named("3", 1, 0, "Adi"),
            named("4", 1, 0, "ADI"),
            named("5", 1, 0, "Zoe"),
        ];
        assert_eq!(
            sorted_ids(&members, &order("DISCORD", Direction::Ascending)),
            ["3", "4", "1", "2", "5"]
        );
        assert_eq!(
            sorted_ids(&members, &order("DISCORD", Direction::Descending)),
            ["5", "2", "1", "3", "4"]
        );
    }

    #[test]
    fn role_sorts_by_the_derived_role_name() {
        let members = [
            named("a", 3, 0, ""),
            named("b", 1, 0, ""),
            named("c", 2, 0, ""),
        ];
        // Caporal < Offiter < Șerif (folded "serif").
        assert_eq!(
            sorted_ids(&members, &order(ROLE, Direction::Ascending)),
            ["c", "b", "a"]
        );
    }

    #[test]
    fn sorting_does_not_depend_on_input_order() {
        // Many ties in every column, so only the id tie-break can make the order unique.
        let members: Vec<Employee> = (0..40)
            .zip(["b", "A", "a"].into_iter().cycle())
            .map(|(i, discord)| {
                let mut member = named(&format!("{i:02}"), i % 3 + 1, (i * 7) % 5, discord);
                if i % 4 != 0 {
                    member.ultima_mod = DateTime::from_timestamp(i64::from(i % 5) * 3600, 0);
                }
                member
            })
            .collect();
        for column in [PUNCTAJ, RANK, ROLE, ULTIMA_MOD, "DISCORD"] {
            for direction in [Direction::Ascending, Direction::Descending] {
                let order = order(column, direction);
                let forward = sorted_ids(&members, &order);
                let mut reversed = members.clone();
                reversed.reverse();
                assert_eq!(
                    sorted_ids(&reversed, &order),
                    forward,
                    "{column} {direction:?}"
                );
            }
        }
    }

    #[test]
    fn clicking_a_header_flips_or_starts_in_the_natural_direction() {
        let start = SortOrder::default();
        assert_eq!(start.clicked(PUNCTAJ), order(PUNCTAJ, Direction::Ascending));
        assert_eq!(
            start.clicked("DISCORD"),
            order("DISCORD", Direction::Ascending)
        );
        assert_eq!(
            start.clicked(ULTIMA_MOD),
            order(ULTIMA_MOD, Direction::Descending)
        );
        assert_eq!(
            start.clicked("DISCORD").clicked("DISCORD"),
            order("DISCORD", Direction::Descending)
        );
        assert_eq!(
            order(RANK, Direction::Ascending).clicked(PUNCTAJ),
            SortOrder::default()
        );
    }

    #[test]
    fn search_matches_any_visible_column_ignoring_case_and_diacritics() {
        let institution = politie();
        let mut stefan = named("s", 3, 44, "Ștefan");
        stefan.ultima_mod = Some(Utc.with_ymd_and_hms(2026, 3, 7, 12, 28, 40).unwrap());
        let members = [stefan, named("a", 1, 7, "Aly Baba")];
        let ids = |query: &str| -> Vec<&str> {
            search_employees(&members, &institution, query)
                .iter()
                .map(|employee| employee.id.as_str())
                .collect()
        };
        assert_eq!(ids("stef"), ["s"]);
        assert_eq!(ids("ȘTEF"), ["s"]);
        assert_eq!(ids("serif"), ["s"], "ROLE is searched");
        assert_eq!(ids("offiter"), ["a"]);
        assert_eq!(ids("44"), ["s"], "PUNCTAJ is searched");
        assert_eq!(ids("12:28"), ["s"], "ULTIMA_MOD is searched");
        assert_eq!(ids("baba "), ["a"], "the query is trimmed");
        assert_eq!(ids(""), ["s", "a"]);
        assert_eq!(ids("   "), ["s", "a"]);
        assert!(ids("nobody").is_empty());
    }

    #[test]
    fn search_ignores_fields_of_columns_the_institution_does_not_show() {
        let institution = politie();
        let mut member = named("a", 1, 0, "Aly");
        member
            .fields
            .insert("HIDDEN".to_owned(), "secret".to_owned());
        assert!(search_employees(&[member], &institution, "secret").is_empty());
    }
}
