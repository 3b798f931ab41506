//! Reading the directory of a zip file: a zip of the whole legacy folder, or one of the old app's
//! `arhiva/backups/backup_<stamp>.zip`.
//!
//! Core does not inflate (a deflate implementation would weigh on the wasm bundle, and the
//! browser has one: `DecompressionStream('deflate-raw')`). It lists the entries with where their
//! bytes are, refuses what must not be inflated, and checks what the app inflated
//! ([`check_inflated`]). Only stored (0) and deflate (8) entries are supported; zip64, split
//! archives and encrypted entries are refused, each with its own reason.
//!
//! The limits bound what an import can cost whatever the file claims: [`MAX_ENTRIES`],
//! [`MAX_TOTAL_SIZE`], [`MAX_ENTRY_SIZE`] and [`MAX_RATIO`] (zip bombs). A declared size is only
//! a claim, so the app must stop inflating an entry past its `declared_size`;
//! [`check_inflated`] then catches any entry whose data does not match its header.

use std::ops::Range;

use thiserror::Error;

use super::path::{FileClass, PathProblem, SkipReason, classify};

/// Most entries a zip may list (a large community's backup has a few hundred).
pub const MAX_ENTRIES: usize = 20_000;
/// Most bytes all entries together may declare once inflated.
pub const MAX_TOTAL_SIZE: u64 = 256 * 1024 * 1024;
/// Most bytes one entry may declare once inflated.
pub const MAX_ENTRY_SIZE: u64 = 20 * 1024 * 1024;
/// Highest inflated : compressed ratio of one entry. JSON compresses about 10:1; a bomb by
/// hundreds or thousands to one.
pub const MAX_RATIO: u64 = 200;
/// Entries declaring less than this are not held to [`MAX_RATIO`]: a small, very repetitive
/// file can exceed it honestly, and cannot cost much.
const RATIO_FLOOR: u64 = 1024 * 1024;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const END_OF_DIRECTORY_LEN: usize = 22;
const CENTRAL_HEADER_LEN: usize = 46;
const LOCAL_HEADER_LEN: usize = 30;
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;
const METHOD_AES: u16 = 99;

/// How an entry's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// As they are (method 0).
    Stored,
    /// Raw deflate (method 8): inflate with `DecompressionStream('deflate-raw')`.
    Deflate,
}

/// One file of a zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// The name as the zip has it.
    pub name: String,
    /// The entry's path in the legacy folder: for a backup zip its own path then the entry name
    /// (`arhiva/backups/backup_<stamp>.zip/BlackWater/Politie.json`), for a zip of the whole
    /// folder the entry name. Pass it to [`super::LegacyFolder::add_zip_entry`].
    pub path: String,
    /// What the entry is ([`classify`] of `path`); zips inside a zip are
    /// [`SkipReason::NestedZip`], except backup zips inside a zip of the whole folder.
    pub class: FileClass,
    pub method: Method,
    /// Where the compressed bytes are in the zip.
    pub data: Range<usize>,
    pub declared_size: u64,
    pub crc32: u32,
    /// Why this entry must not be inflated; `None` when it may be.
    pub refused: Option<ZipProblem>,
}

impl ZipEntry {
    /// The compressed bytes, out of the zip the entry was listed from.
    pub fn compressed<'a>(&self, zip: &'a [u8]) -> &'a [u8] {
        zip.get(self.data.clone()).unwrap_or_default()
    }

    /// Bytes the compressed data takes.
    pub fn compressed_size(&self) -> u64 {
        (self.data.end - self.data.start) as u64
    }

    /// Whether the app should inflate this entry and hand it to the folder.
    pub fn should_inflate(&self) -> bool {
        self.refused.is_none() && self.class.read_limit().is_some()
    }
}

/// What is wrong with a zip or one of its entries.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ZipProblem {
    #[error("not a zip file (no end of central directory)")]
    NotAZip,
    #[error("the zip is cut short or its directory points outside it")]
    Truncated,
    #[error("zip64 archives are not supported")]
    Zip64,
    #[error("split (multi-disk) zips are not supported")]
    MultiDisk,
    #[error("more than {MAX_ENTRIES} entries")]
    TooManyEntries,
    #[error("the entries would take more than {MAX_TOTAL_SIZE} bytes once inflated")]
    TooLargeInTotal,
    #[error("entries overlap inside the zip (a zip bomb)")]
    OverlappingEntries,
    #[error("an encrypted entry")]
    Encrypted,
    #[error("compression method {0} is not supported (only stored and deflate)")]
    UnsupportedMethod(u16),
    #[error("the entry would take {0} bytes once inflated, more than {MAX_ENTRY_SIZE}")]
    EntryTooLarge(u64),
    #[error("compressed more than {MAX_RATIO} to 1 (a zip bomb)")]
    Bomb,
    #[error("a stored entry whose sizes disagree")]
    StoredSizeMismatch,
    #[error("the entry's name is not UTF-8")]
    NameNotUtf8,
    #[error("the entry's name is refused: {0}")]
    BadName(PathProblem),
    #[error("inflated to {found} bytes where the zip declares {declared}")]
    SizeMismatch { declared: u64, found: u64 },
    #[error("the inflated bytes fail their CRC-32 check")]
    CrcMismatch,
    #[error("the entry inflates past the size the zip declares (a zip bomb)")]
    InflatesPastDeclaredSize,
    #[error("the entry's compressed data is corrupt")]
    CorruptData,
}

/// Lists the entries of the zip at `zip_path` (its path in the legacy folder).
///
/// Directories are left out. Entries that must not be inflated stay in the list with
/// [`ZipEntry::refused`] set, so the preview can say why.
///
/// # Errors
///
/// A problem with the zip as a whole: not a zip, truncated, zip64, multi-disk, more than
/// [`MAX_ENTRIES`] entries, more than [`MAX_TOTAL_SIZE`] declared, or overlapping entries.
pub fn entries(zip_path: &str, zip: &[u8]) -> Result<Vec<ZipEntry>, ZipProblem> {
    let directory = end_of_directory(zip)?;
    let container = classify(zip_path).ok();
    let mut entries = Vec::new();
    let mut total: u64 = 0;
    let mut claimed: Vec<Range<usize>> = Vec::new();
    let mut at = directory.offset;
    for _ in 0..directory.count {
        let header = central_header(zip, at)?;
        at = header.next;
        let local = local_data(zip, header.local_offset, header.compressed_size)?;
        claimed.push(header.local_offset..local.end);
        if header.name_bytes.ends_with(b"/") {
            continue;
        }
        total = total.saturating_add(header.declared_size);
        if total > MAX_TOTAL_SIZE {
            return Err(ZipProblem::TooLargeInTotal);
        }
        entries.push(entry(&header, local, zip_path, container.as_ref()));
    }
    claimed.sort_by_key(|range| range.start);
    if claimed.windows(2).any(|pair| pair[1].start < pair[0].end) {
        return Err(ZipProblem::OverlappingEntries);
    }
    Ok(entries)
}

/// Checks bytes the app inflated from `entry` against the size and CRC-32 the zip declares.
///
/// # Errors
///
/// [`ZipProblem::SizeMismatch`] or [`ZipProblem::CrcMismatch`].
pub fn check_inflated(entry: &ZipEntry, inflated: &[u8]) -> Result<(), ZipProblem> {
    let found = inflated.len() as u64;
    if found != entry.declared_size {
        return Err(ZipProblem::SizeMismatch {
            declared: entry.declared_size,
            found,
        });
    }
    if crc32(inflated) != entry.crc32 {
        return Err(ZipProblem::CrcMismatch);
    }
    Ok(())
}

/// CRC-32 (IEEE 802.3, the zip one).
pub fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, byte| {
        CRC_TABLE[usize::from((crc as u8) ^ byte)] ^ (crc >> 8)
    })
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut index = 0;
    while index < 256 {
        let mut crc = index as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[index] = crc;
        index += 1;
    }
    table
};

struct Directory {
    count: usize,
    offset: usize,
}

struct CentralHeader<'a> {
    flags: u16,
    method: u16,
    crc32: u32,
    compressed_size: u64,
    declared_size: u64,
    name_bytes: &'a [u8],
    local_offset: usize,
    next: usize,
}

fn u16_at(zip: &[u8], at: usize) -> Result<u16, ZipProblem> {
    zip.get(at..at + 2)
        .map(|bytes| u16::from_le_bytes([bytes[0], bytes[1]]))
        .ok_or(ZipProblem::Truncated)
}

fn u32_at(zip: &[u8], at: usize) -> Result<u32, ZipProblem> {
    zip.get(at..at + 4)
        .map(|bytes| u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
        .ok_or(ZipProblem::Truncated)
}

/// The end-of-central-directory record, searched from the end (a comment may follow it).
fn end_of_directory(zip: &[u8]) -> Result<Directory, ZipProblem> {
    let last = zip
        .len()
        .checked_sub(END_OF_DIRECTORY_LEN)
        .ok_or(ZipProblem::NotAZip)?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    let at = (first..=last)
        .rev()
        .find(|&at| u32_at(zip, at) == Ok(END_OF_DIRECTORY))
        .ok_or(ZipProblem::NotAZip)?;
    if at >= 20 && u32_at(zip, at - 20) == Ok(ZIP64_LOCATOR) {
        return Err(ZipProblem::Zip64);
    }
    let disk = u16_at(zip, at + 4)?;
    let directory_disk = u16_at(zip, at + 6)?;
    let on_disk = u16_at(zip, at + 8)?;
    let count = u16_at(zip, at + 10)?;
    let size = u32_at(zip, at + 12)?;
    let offset = u32_at(zip, at + 16)?;
    if count == u16::MAX || size == u32::MAX || offset == u32::MAX {
        return Err(ZipProblem::Zip64);
    }
    if disk != 0 || directory_disk != 0 || on_disk != count {
        return Err(ZipProblem::MultiDisk);
    }
    let count = usize::from(count);
    if count > MAX_ENTRIES {
        return Err(ZipProblem::TooManyEntries);
    }
    let offset = offset as usize;
    if offset.saturating_add(size as usize) > at {
        return Err(ZipProblem::Truncated);
    }
    Ok(Directory { count, offset })
}

fn central_header(zip: &[u8], at: usize) -> Result<CentralHeader<'_>, ZipProblem> {
    if u32_at(zip, at)? != CENTRAL_HEADER {
        return Err(ZipProblem::Truncated);
    }
    let compressed_size = u32_at(zip, at + 20)?;
    let declared_size = u32_at(zip, at + 24)?;
    let local_offset = u32_at(zip, at + 42)?;
    if compressed_size == u32::MAX || declared_size == u32::MAX || local_offset == u32::MAX {
        return Err(ZipProblem::Zip64);
    }
    let name_len = usize::from(u16_at(zip, at + 28)?);
    let extra_len = usize::from(u16_at(zip, at + 30)?);
    let comment_len = usize::from(u16_at(zip, at + 32)?);
    let name_start = at + CENTRAL_HEADER_LEN;
    let name_bytes = zip
        .get(name_start..name_start + name_len)
        .ok_or(ZipProblem::Truncated)?;
    Ok(CentralHeader {
        flags: u16_at(zip, at + 8)?,
        method: u16_at(zip, at + 10)?,
        crc32: u32_at(zip, at + 16)?,
        compressed_size: compressed_size.into(),
        declared_size: declared_size.into(),
        name_bytes,
        local_offset: local_offset as usize,
        next: name_start + name_len + extra_len + comment_len,
    })
}

/// Where an entry's data lies, after its local header (whose name and extra field may differ in
/// length from the central directory's).
fn local_data(zip: &[u8], at: usize, compressed_size: u64) -> Result<Range<usize>, ZipProblem> {
    if u32_at(zip, at)? != LOCAL_HEADER {
        return Err(ZipProblem::Truncated);
    }
    let name_len = usize::from(u16_at(zip, at + 26)?);
    let extra_len = usize::from(u16_at(zip, at + 28)?);
    let start = at + LOCAL_HEADER_LEN + name_len + extra_len;
    let end = start
        .checked_add(usize::try_from(compressed_size).map_err(|_| ZipProblem::Truncated)?)
        .filter(|end| *end <= zip.len())
        .ok_or(ZipProblem::Truncated)?;
    Ok(start..end)
}

fn entry(
    header: &CentralHeader<'_>,
    data: Range<usize>,
    zip_path: &str,
    container: Option<&FileClass>,
) -> ZipEntry {
    let utf8 = std::str::from_utf8(header.name_bytes);
    // Names without the UTF-8 flag are CP437 by the standard, but Python (the old app) sets the
    // flag for any non-ASCII name and other tools write UTF-8 without it: a name that is not
    // UTF-8 is refused rather than guessed.
    let name = utf8.map_or_else(
        |_| String::from_utf8_lossy(header.name_bytes).into_owned(),
        str::to_owned,
    );
    let path = match container {
        Some(FileClass::BackupZip(_)) => format!("{zip_path}/{name}"),
        _ => name.clone(),
    };
    let classified = classify(&path);
    let class = match &classified {
        Ok(FileClass::BackupZip(_)) if matches!(container, Some(FileClass::FolderZip)) => {
            classified.clone().expect("matched Ok")
        }
        Ok(FileClass::BackupZip(_) | FileClass::FolderZip) => {
            FileClass::Skipped(SkipReason::NestedZip)
        }
        Ok(class) => class.clone(),
        Err(_) => FileClass::Skipped(SkipReason::UnknownPlace),
    };
    let method = match header.method {
        0 => Some(Method::Stored),
        8 => Some(Method::Deflate),
        _ => None,
    };
    let refused = if header.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) != 0
        || header.method == METHOD_AES
    {
        Some(ZipProblem::Encrypted)
    } else if method.is_none() {
        Some(ZipProblem::UnsupportedMethod(header.method))
    } else if utf8.is_err() {
        Some(ZipProblem::NameNotUtf8)
    } else if let Err(problem) = classified {
        Some(ZipProblem::BadName(problem))
    } else if header.declared_size > MAX_ENTRY_SIZE {
        Some(ZipProblem::EntryTooLarge(header.declared_size))
    } else if method == Some(Method::Stored) && header.declared_size != header.compressed_size {
        Some(ZipProblem::StoredSizeMismatch)
    } else if header.declared_size >= RATIO_FLOOR
        && header.declared_size > header.compressed_size.saturating_mul(MAX_RATIO)
    {
        Some(ZipProblem::Bomb)
    } else {
        None
    };
    ZipEntry {
        name,
        path,
        class,
        method: method.unwrap_or(Method::Stored),
        data,
        declared_size: header.declared_size,
        crc32: header.crc32,
        refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn what_is_not_a_zip_is_refused_without_panicking() {
        for bytes in [
            &b""[..],
            b"PK",
            b"{\"columns\": []}",
            &[0u8; 21],
            &[0xFF; 100],
        ] {
            assert_eq!(entries("x.zip", bytes), Err(ZipProblem::NotAZip));
        }
        // An end record pointing at a directory that is not there.
        let mut end = END_OF_DIRECTORY.to_le_bytes().to_vec();
        end.extend([0, 0, 0, 0, 1, 0, 1, 0, 46, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(entries("x.zip", &end), Err(ZipProblem::Truncated));
        let mut lying = vec![0u8; 46];
        lying.extend(&end);
        assert_eq!(entries("x.zip", &lying), Err(ZipProblem::Truncated));
    }
}
