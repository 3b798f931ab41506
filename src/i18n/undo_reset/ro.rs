//! Română.

use super::UndoResetTexts;

pub static RO: UndoResetTexts = UndoResetTexts {
    button: "Anulează resetarea",
    title: "Anulează ultima resetare",
    explain: |date, count, points| {
        format!(
            "Punctajele salvate în arhiva din {date} ({count} angajați, {points} puncte) se adaugă înapoi fiecărui angajat care mai există; punctele primite de la resetare rămân. O resetare se poate anula o singură dată."
        )
    },
    confirm: "Anulează resetarea",
    done: |count, points| {
        format!("Resetarea a fost anulată: {points} puncte date înapoi la {count} angajați")
    },
    undone_badge: |when, who| format!("resetare anulată la {when} de {who}"),
};
