//! Română.

use super::ConflictTexts;

pub static RO: ConflictTexts = ConflictTexts {
    title: "Altcineva a modificat între timp",
    intro: "Cât timp editați, altcineva a salvat alte valori pentru aceleași câmpuri. Nimic nu a fost suprascris: alegeți ce rămâne.",
    field: "Câmp",
    base: "Ați pornit de la",
    mine: "Valoarea dvs.",
    theirs: "Acum în cloud",
    keep_mine: "Păstrează valorile mele",
    take_theirs: "Ia valorile din cloud",
    name: "Nume",
    ranks: "Rankuri",
    columns: "Coloane",
    empty: "(gol)",
    kept_theirs: "Au rămas valorile din cloud",
    row_deleted: "Rândul a fost șters între timp: modificarea nu a fost salvată",
};
