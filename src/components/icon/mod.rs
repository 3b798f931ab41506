//! The app's icons: small inline SVGs drawn here (24×24, one stroked path each, in the text's
//! colour and size), so that they look the same on every machine — emoji need an emoji font,
//! which a plain Linux desktop may not have. Decorative: hidden from assistive technology, the
//! text beside an icon says what it means.

use leptos::prelude::*;

/// One icon of the set; [`IconName::path`] is its drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IconName {
    /// The product's mark.
    Star,
    /// Cities (the home page).
    City,
    /// An institution.
    Institution,
    /// The archive.
    Archive,
    /// The audit log.
    Journal,
    Settings,
    /// Members and permissions.
    Lock,
    /// Something coming in: the download of the cloud data, the import.
    Inbox,
    /// A file saved to the computer.
    Download,
    Clock,
    Plus,
    Minus,
    UserPlus,
    Pencil,
    Trash,
    /// Ranks and columns: the table's structure.
    Table,
    /// Deleted things kept for restoring.
    Bin,
    Bell,
    /// Remove (a column).
    Close,
    /// Force sync.
    Bolt,
    /// Reset the scores.
    Reset,
    Hourglass,
    Warning,
}

impl IconName {
    /// Every icon, for the tests.
    pub const ALL: [IconName; 23] = [
        IconName::Star,
        IconName::City,
        IconName::Institution,
        IconName::Archive,
        IconName::Journal,
        IconName::Settings,
        IconName::Lock,
        IconName::Inbox,
        IconName::Download,
        IconName::Clock,
        IconName::Plus,
        IconName::Minus,
        IconName::UserPlus,
        IconName::Pencil,
        IconName::Trash,
        IconName::Table,
        IconName::Bin,
        IconName::Bell,
        IconName::Close,
        IconName::Bolt,
        IconName::Reset,
        IconName::Hourglass,
        IconName::Warning,
    ];

    /// The SVG path data, on a 24×24 grid, stroked 2 wide with round ends.
    pub const fn path(self) -> &'static str {
        match self {
            IconName::Star => {
                "M12 3l2.8 5.7 6.2.9-4.5 4.4 1.1 6.2-5.6-2.9-5.6 2.9 1.1-6.2L3 9.6l6.2-.9z"
            }
            IconName::City => {
                "M3 21h18M5 21V9h6v12M11 21V4h8v17M14 8h2M14 12h2M14 16h2M7 13h1M7 17h1"
            }
            IconName::Institution => "M3 21h18M4 10h16M12 3l8 5H4zM6 10v8M10 10v8M14 10v8M18 10v8",
            IconName::Archive => "M9 3h6v3H9zM9 5H6v16h12V5h-3M9 11h6M9 15h6",
            IconName::Journal => "M6 3h9l4 4v14H6zM15 3v4h4M9 12h7M9 16h7",
            IconName::Settings => {
                "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM12 19a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM12 2v3M12 19v3M2 12h3M19 12h3M5 5l2 2M17 17l2 2M5 19l2-2M17 7l2-2"
            }
            IconName::Lock => "M5 11h14v10H5zM8 11V7a4 4 0 0 1 8 0v4M12 15v2",
            IconName::Inbox => "M12 3v11M7 9l5 5 5-5M3 14v6h18v-6",
            IconName::Download => "M12 4v11M6 10l6 6 6-6M5 20h14",
            IconName::Clock => "M12 21a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM12 9v4l2 2M10 2h4",
            IconName::Plus => "M12 5v14M5 12h14",
            IconName::Minus => "M5 12h14",
            IconName::UserPlus => {
                "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21a7 7 0 0 1 14 0M19 8v6M16 11h6"
            }
            IconName::Pencil => "M4 20h4L19 9l-4-4L4 16zM13 7l4 4",
            IconName::Trash => "M4 7h16M10 3h4M6 7l1 14h10l1-14M10 11v6M14 11v6",
            IconName::Table => "M3 4h18v16H3zM3 9h18M9 9v11M15 9v11",
            IconName::Bin => "M3 4h18v4H3zM5 8v12h14V8M10 12h4",
            IconName::Bell => "M6 16v-5a6 6 0 0 1 12 0v5l2 2H4zM10 21h4",
            IconName::Close => "M6 6l12 12M18 6 6 18",
            IconName::Bolt => "M13 2 4 14h7l-1 8 9-12h-7z",
            IconName::Reset => "M3 12a9 9 0 1 0 3-6.7L3 8M3 3v5h5",
            IconName::Hourglass => "M6 3h12M6 21h12M7 3v3l5 6 5-6V3M7 21v-3l5-6 5 6v3",
            IconName::Warning => "M12 3 2 21h20zM12 10v5M12 18v.01",
        }
    }
}

/// An icon at the size and in the colour of the text around it.
#[component]
pub fn Icon(name: IconName) -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            width="1em"
            height="1em"
            aria-hidden="true"
            focusable="false"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
        >
            <path d=name.path() />
        </svg>
    }
}
