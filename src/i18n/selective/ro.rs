//! Română.

use super::SelectiveTexts;

pub static RO: SelectiveTexts = SelectiveTexts {
    title: "Ce păstrează acest dispozitiv",
    explain: "Alege orașele și instituțiile pe care le descarcă acest browser. Celelalte nu se descarcă, iar modificările făcute acolo nu blochează acest dispozitiv. Structura (orașe, instituții, grade, coloane) se păstrează mereu.",
    everything: "Tot (toate orașele și instituțiile)",
    summary: |cities, institutions, all| {
        format!(
            "Se păstrează {cities} orașe și {institutions} din {all} instituții pe acest dispozitiv."
        )
    },
    whole_city: "tot orașul",
    applied: "Salvat pentru acest browser. Se descarcă ce păstrează…",
    not_kept_title: "Nu se păstrează pe acest dispozitiv",
    not_kept_body: "Membrii și arhivele acestei instituții nu se descarcă în acest browser, deci nu pot fi afișate sau modificate aici.",
    open_settings: "Alege ce păstrează acest dispozitiv",
    elsewhere: |count| {
        if count == 1 {
            "1 modificare în altă parte, nepăstrată aici".to_owned()
        } else {
            format!("{count} modificări în altă parte, nepăstrate aici")
        }
    },
    mode_name: |mode| match mode {
        "delta" => "doar modificările",
        "full" => "complet",
        _ => "",
    },
};
