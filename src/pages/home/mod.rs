//! Cities → institutions → the members' table, as the users know it from the desktop app: city
//! tabs, then the city's institution tabs, then the selected institution's table and actions.
//! Everything shown comes from the installed, verified local copy.

mod city_bar;
mod deleted_items;
mod go_to;
mod institution_bar;
mod institution_panel;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use punctaj_core::model::{City, Institution};

use crate::i18n::use_i18n;
use crate::sync::use_sync;

use city_bar::CityBar;
use institution_bar::InstitutionBar;
use institution_panel::InstitutionPanel;

/// Names sort as people read them (case- and diacritic-insensitive).
fn by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by_cached_key(|item| punctaj_core::table::fold(name(item)));
}

#[component]
pub fn HomePage() -> impl IntoView {
    let sync = use_sync();
    let i18n = use_i18n();
    let params = use_params_map();
    let param = move |name: &str| {
        params.with(|params| params.get(name).and_then(|v| v.parse::<i64>().ok()))
    };

    let cities = Memo::new(move |_| {
        sync.local.with(|local| {
            let mut cities: Vec<City> = local
                .as_ref()
                .map(|local| local.snapshot.live_cities().cloned().collect())
                .unwrap_or_default();
            by_name(&mut cities, |city| &city.name);
            cities
        })
    });
    // The city in the URL, else the first one.
    let city = Memo::new(move |_| {
        cities.with(|cities| {
            param("city")
                .and_then(|id| cities.iter().find(|city| city.id == id))
                .or_else(|| cities.first())
                .cloned()
        })
    });
    let institutions = Memo::new(move |_| {
        let Some(city_id) = city.with(|city| city.as_ref().map(|city| city.id)) else {
            return Vec::new();
        };
        sync.local.with(|local| {
            let mut institutions: Vec<Institution> = local
                .as_ref()
                .map(|local| local.snapshot.institutions_of(city_id).cloned().collect())
                .unwrap_or_default();
            by_name(&mut institutions, |institution| &institution.name);
            institutions
        })
    });
    let institution = Memo::new(move |_| {
        institutions.with(|institutions| {
            param("institution")
                .and_then(|id| institutions.iter().find(|institution| institution.id == id))
                .or_else(|| institutions.first())
                .cloned()
        })
    });

    view! {
        <div class="home">
            // The page's one level-one heading, for those who navigate by headings; the tabs show it.
            <h1 class="visually-hidden">{move || i18n.texts().nav_home}</h1>
            <CityBar cities=cities selected=city />
            <Show
                when=move || city.with(Option::is_some)
                fallback=move || {
                    view! {
                        <Show when=move || sync.local.with(Option::is_some)>
                            <p class="empty">{move || i18n.texts().no_cities}</p>
                        </Show>
                    }
                }
            >
                <InstitutionBar city=city institutions=institutions selected=institution />
                <Show
                    when=move || institution.with(Option::is_some)
                    fallback=move || view! { <p class="empty">{move || i18n.texts().no_institutions}</p> }
                >
                    <InstitutionPanel institution=institution />
                </Show>
            </Show>
        </div>
    }
}
