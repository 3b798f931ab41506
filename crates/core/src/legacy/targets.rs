//! The cities and institutions an import touches, matched to the cloud's live ones by
//! [`same_name`] so none is ever duplicated, and turned into the payload's indexed lists.
//!
//! Lookups never change anything: a file is planned against them first and committed only when
//! it has no problem, so a file left out creates no city and no institution.

use chrono::{DateTime, Utc};

use super::payload::{CityItem, InstitutionItem};
use crate::archive::same_name;
use crate::model::{City, Institution, Snapshot};

/// What a name matches.
#[derive(Debug)]
pub(crate) enum Found<'a, T> {
    /// A target of this import (its index).
    Target(usize),
    /// A live row of the cloud not yet a target.
    Cloud(&'a T),
    Missing,
}

// By hand: the derive would require `T: Copy`, while only a reference is held.
impl<T> Clone for Found<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Found<'_, T> {}

pub(crate) struct CityTarget<'a> {
    pub(crate) cloud: Option<&'a City>,
    /// The cloud's name, or the name to create.
    pub(crate) name: String,
}

pub(crate) struct InstitutionTarget<'a> {
    pub(crate) city: usize,
    pub(crate) cloud: Option<&'a Institution>,
    pub(crate) name: String,
    /// The institution file it was planned from, if any.
    pub(crate) path: Option<String>,
    pub(crate) ranks: Option<Vec<String>>,
    pub(crate) columns: Option<Vec<String>>,
    pub(crate) last_points_change_at: Option<DateTime<Utc>>,
    /// Employees, archives or invitations point at it.
    pub(crate) referenced: bool,
}

impl InstitutionTarget<'_> {
    fn has_changes(&self) -> bool {
        self.cloud.is_none()
            || self.ranks.is_some()
            || self.columns.is_some()
            || self.last_points_change_at.is_some()
    }
}

pub(crate) struct Targets<'a> {
    cloud: &'a Snapshot,
    pub(crate) cities: Vec<CityTarget<'a>>,
    pub(crate) institutions: Vec<InstitutionTarget<'a>>,
}

/// The payload's cities and institutions, and where each institution target went.
pub(crate) struct Indexed {
    pub(crate) cities: Vec<CityItem>,
    pub(crate) institutions: Vec<InstitutionItem>,
    /// Institution target → index in `institutions`.
    pub(crate) institution_index: Vec<Option<usize>>,
}

impl<'a> Targets<'a> {
    pub(crate) fn new(cloud: &'a Snapshot) -> Self {
        Self {
            cloud,
            cities: Vec::new(),
            institutions: Vec::new(),
        }
    }

    /// A city by name: a target, else a live cloud city. Among several cloud cities that match,
    /// the one equal ignoring case wins over one sharing only the slug.
    pub(crate) fn find_city(&self, name: &str) -> Found<'a, City> {
        if let Some(index) = self
            .cities
            .iter()
            .position(|city| same_name(&city.name, name))
        {
            return Found::Target(index);
        }
        best_match(self.cloud.live_cities(), name, |city| &city.name)
            .map_or(Found::Missing, Found::Cloud)
    }

    /// An institution by name within a city found by [`Targets::find_city`].
    pub(crate) fn find_institution(
        &self,
        city: Found<'a, City>,
        name: &str,
    ) -> Found<'a, Institution> {
        let cloud_city = match city {
            Found::Target(index) => {
                if let Some(found) = self.institutions.iter().position(|institution| {
                    institution.city == index && same_name(&institution.name, name)
                }) {
                    return Found::Target(found);
                }
                self.cities[index].cloud
            }
            Found::Cloud(city) => Some(city),
            Found::Missing => None,
        };
        cloud_city
            .and_then(|city| {
                best_match(self.cloud.institutions_of(city.id), name, |institution| {
                    &institution.name
                })
            })
            .map_or(Found::Missing, Found::Cloud)
    }

    /// The target of a found city, or a new one named `name` to create. A cloud city found
    /// before another commit made it a target resolves to that target, never to a second one.
    pub(crate) fn city(&mut self, found: Found<'a, City>, name: &str) -> usize {
        match found {
            Found::Target(index) => index,
            Found::Cloud(city) => self
                .cities
                .iter()
                .position(|target| target.cloud.is_some_and(|cloud| cloud.id == city.id))
                .unwrap_or_else(|| self.push_city(Some(city), city.name.clone())),
            Found::Missing => self
                .cities
                .iter()
                .position(|target| target.cloud.is_none() && same_name(&target.name, name))
                .unwrap_or_else(|| self.push_city(None, name.to_owned())),
        }
    }

    /// The target of a found institution (an unchanged reference to it), or `None` when missing.
    pub(crate) fn reference(
        &mut self,
        city: Found<'a, City>,
        found: Found<'a, Institution>,
    ) -> Option<usize> {
        let existing = |targets: &Self, id: i64| {
            targets
                .institutions
                .iter()
                .position(|target| target.cloud.is_some_and(|cloud| cloud.id == id))
        };
        let index = match found {
            Found::Target(index) => index,
            Found::Cloud(institution) if existing(self, institution.id).is_some() => {
                existing(self, institution.id).expect("checked")
            }
            Found::Cloud(institution) => {
                let city = self.city(city, "");
                self.institutions.push(InstitutionTarget {
                    city,
                    cloud: Some(institution),
                    name: institution.name.clone(),
                    path: None,
                    ranks: None,
                    columns: None,
                    last_points_change_at: None,
                    referenced: false,
                });
                self.institutions.len() - 1
            }
            Found::Missing => return None,
        };
        self.institutions[index].referenced = true;
        Some(index)
    }

    /// Adds the target planned from an institution file.
    pub(crate) fn add_institution(&mut self, target: InstitutionTarget<'a>) -> usize {
        self.institutions.push(target);
        self.institutions.len() - 1
    }

    /// The payload's lists: institutions that change or are referenced, and their cities.
    pub(crate) fn indexed(&self) -> Indexed {
        let mut city_index: Vec<Option<usize>> = vec![None; self.cities.len()];
        let mut indexed = Indexed {
            cities: Vec::new(),
            institutions: Vec::new(),
            institution_index: vec![None; self.institutions.len()],
        };
        for (target, institution) in self.institutions.iter().enumerate() {
            if !institution.has_changes() && !institution.referenced {
                continue;
            }
            let city = *city_index[institution.city].get_or_insert_with(|| {
                let city = &self.cities[institution.city];
                indexed.cities.push(CityItem {
                    id: city.cloud.map(|city| city.id),
                    name: city.name.clone(),
                });
                indexed.cities.len() - 1
            });
            indexed.institution_index[target] = Some(indexed.institutions.len());
            indexed.institutions.push(InstitutionItem {
                id: institution.cloud.map(|cloud| cloud.id),
                city,
                name: institution.name.clone(),
                expected_revision: institution.cloud.map(|cloud| cloud.revision),
                ranks: institution.ranks.clone(),
                columns: institution.columns.clone(),
                last_points_change_at: institution.last_points_change_at,
            });
        }
        indexed
    }

    fn push_city(&mut self, cloud: Option<&'a City>, name: String) -> usize {
        self.cities.push(CityTarget { cloud, name });
        self.cities.len() - 1
    }
}

/// The row named `name`: equal ignoring case first (the database's unique rule), else sharing
/// the slug.
fn best_match<'a, T>(
    rows: impl Iterator<Item = &'a T>,
    name: &str,
    name_of: impl Fn(&T) -> &str,
) -> Option<&'a T> {
    let rows: Vec<&T> = rows.collect();
    let lower = name.to_lowercase();
    rows.iter()
        .find(|row| name_of(row).to_lowercase() == lower)
        .or_else(|| rows.iter().find(|row| same_name(name_of(row), name)))
        .copied()
}
