//! One chapter of the book, parsed once into the pieces the checks read:
//! inline code, links, code blocks and heading anchors, each with its line.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A chapter (`book/src/*.md`) and what it names.
#[derive(Debug)]
pub struct Chapter {
    /// Path relative to the repository root, as problems report it.
    pub path: PathBuf,
    /// The directory the chapter's relative links and includes start from.
    pub dir: PathBuf,
    /// The raw Markdown; includes are found in it line by line, since mdBook
    /// expands them before any Markdown parsing.
    pub text: String,
    /// Inline code (`like this`) outside code blocks.
    pub spans: Vec<Located>,
    /// Link destinations, as written.
    pub links: Vec<Located>,
    /// Fenced or indented code blocks: the info string and each line.
    pub code_blocks: Vec<CodeBlock>,
    /// The ids mdBook gives this chapter's headings, for `#anchor` links.
    pub heading_ids: Vec<String>,
}

/// A piece of text and the 1-based line it starts on.
#[derive(Debug, Clone)]
pub struct Located {
    pub text: String,
    pub line: usize,
}

#[derive(Debug)]
pub struct CodeBlock {
    /// The info string's first word (`rust`, `console`, `text`...).
    pub lang: String,
    /// The text of the paragraph just before the block, which says what
    /// the block is ("It prints:").
    pub intro: String,
    /// The line of the opening fence.
    pub line: usize,
    pub lines: Vec<Located>,
}

impl Chapter {
    /// Every `*.md` file under `src` (the book's source folder), sorted.
    pub fn load_all(src: &Path, root: &Path) -> io::Result<Vec<Chapter>> {
        let mut paths = Vec::new();
        collect_markdown(src, &mut paths)?;
        paths.sort();
        paths.iter().map(|p| Chapter::load(p, root)).collect()
    }

    pub fn load(path: &Path, root: &Path) -> io::Result<Chapter> {
        let text = fs::read_to_string(path)?;
        let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Ok(Chapter::parse(rel, dir, text))
    }

    /// Parses Markdown `text` as the chapter at `path` (relative to the
    /// root), whose links start from `dir`.
    pub fn parse(path: PathBuf, dir: PathBuf, text: String) -> Chapter {
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let line_of = |offset: usize| line_starts.partition_point(|&start| start <= offset);

        let mut chapter = Chapter {
            path,
            dir,
            text: String::new(),
            spans: Vec::new(),
            links: Vec::new(),
            code_blocks: Vec::new(),
            heading_ids: Vec::new(),
        };
        let mut block: Option<(CodeBlock, usize)> = None;
        let mut heading: Option<String> = None;
        let mut paragraph: Option<String> = None;
        let mut last_paragraph = String::new();
        // A table that compares us with other tools (a column named
        // `spool…` beside columns named after curl, wget, asyncio…) holds
        // their names and flags too: only the spool columns are ours.
        let mut table = Table::default();
        // mdBook's options: tables, footnotes, strikethrough, task lists.
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS;
        for (event, range) in Parser::new_ext(&text, options).into_offset_iter() {
            let line = line_of(range.start);
            match event {
                Event::Start(Tag::CodeBlock(kind)) => {
                    let lang = match kind {
                        CodeBlockKind::Fenced(info) => {
                            info.split([',', ' ']).next().unwrap_or("").to_string()
                        }
                        CodeBlockKind::Indented => String::new(),
                    };
                    // A fenced block's content starts on the line after the fence.
                    let first = if lang.is_empty() && !text[range.clone()].starts_with("```") {
                        line
                    } else {
                        line + 1
                    };
                    block = Some((
                        CodeBlock {
                            lang,
                            intro: last_paragraph.clone(),
                            line,
                            lines: Vec::new(),
                        },
                        first,
                    ));
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((done, _)) = block.take() {
                        chapter.code_blocks.push(done);
                    }
                }
                Event::Text(t) if block.is_some() => {
                    let (current, next_line) = block.as_mut().expect("checked above");
                    for l in t.lines() {
                        current.lines.push(Located {
                            text: l.to_string(),
                            line: *next_line,
                        });
                        *next_line += 1;
                    }
                }
                Event::Start(Tag::Heading { id, .. }) => {
                    heading = Some(String::new());
                    if let Some(id) = id {
                        chapter.heading_ids.push(id.to_string());
                    }
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some(h) = heading.take() {
                        push_unique_id(&mut chapter.heading_ids, heading_id(&h));
                    }
                }
                Event::Start(Tag::Paragraph) => paragraph = Some(String::new()),
                Event::End(TagEnd::Paragraph) => {
                    last_paragraph = paragraph.take().unwrap_or_default();
                }
                Event::SoftBreak | Event::HardBreak => {
                    if let Some(p) = paragraph.as_mut() {
                        p.push(' ');
                    }
                }
                Event::Text(t) => {
                    if table.in_head
                        && let Some(h) = table.headers.last_mut()
                    {
                        h.push_str(&t);
                    }
                    for text in [heading.as_mut(), paragraph.as_mut()].into_iter().flatten() {
                        text.push_str(&t);
                    }
                }
                Event::Start(Tag::Table(_)) => table = Table::default(),
                Event::Start(Tag::TableHead) => table.in_head = true,
                Event::End(TagEnd::TableHead) => table.in_head = false,
                Event::Start(Tag::TableRow) => table.column = 0,
                Event::Start(Tag::TableCell) if table.in_head => {
                    table.headers.push(String::new());
                }
                Event::End(TagEnd::TableCell) => table.column += 1,
                Event::End(TagEnd::Table) => table = Table::default(),
                Event::Code(_) if table.is_foreign_column() => {}
                Event::Code(c) => {
                    for text in [heading.as_mut(), paragraph.as_mut()].into_iter().flatten() {
                        text.push_str(&c);
                    }
                    chapter.spans.push(Located {
                        text: c.to_string(),
                        line,
                    });
                }
                Event::Start(Tag::Link { dest_url, .. }) => chapter.links.push(Located {
                    text: dest_url.to_string(),
                    line,
                }),
                _ => {}
            }
        }
        chapter.text = text;
        chapter
    }
}

/// Where the parser is in a Markdown table.
#[derive(Default)]
struct Table {
    headers: Vec<String>,
    in_head: bool,
    column: usize,
}

impl Table {
    /// Is the current cell in another tool's column of a comparison table?
    fn is_foreign_column(&self) -> bool {
        let ours = |h: &String| h.to_lowercase().contains("spool");
        !self.in_head
            && self.headers.iter().any(ours)
            && self.headers.get(self.column).is_some_and(|h| !ours(h))
            && self.column > 0
    }
}

/// The id mdBook gives a heading: its text lowercased, spaces turned into
/// `-`, and everything but letters, digits, `_` and `-` dropped.
pub fn heading_id(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_ascii_lowercase())
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// mdBook numbers a repeated id: `a`, `a-1`, `a-2`.
fn push_unique_id(ids: &mut Vec<String>, id: String) {
    let mut candidate = id.clone();
    let mut n = 1;
    while ids.contains(&candidate) {
        candidate = format!("{id}-{n}");
        n += 1;
    }
    ids.push(candidate);
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_ids_follow_mdbook() {
        assert_eq!(heading_id("`join!` and `join_all`"), "join-and-join_all");
        assert_eq!(
            heading_id("The way out: `Drop` for what is quick"),
            "the-way-out-drop-for-what-is-quick"
        );
        assert_eq!(heading_id("The demo: 10 × 2 s"), "the-demo-10--2-s");
    }

    #[test]
    fn other_tools_columns_of_a_comparison_table_are_not_ours() {
        let text = "| what | curl | spool-dl |\n| --- | --- | --- |\n| `Thing` | `-x` | `-j` |\n";
        let c = Chapter::parse("a.md".into(), ".".into(), text.to_string());
        let spans: Vec<&str> = c.spans.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(spans, ["Thing", "-j"]);
    }

    #[test]
    fn spans_links_and_blocks_carry_their_lines() {
        let text =
            "# Title\n\nSee `Foo` and [x](y.md#z).\n\n```console\n$ cargo run\n```\n\n## Title\n";
        let c = Chapter::parse("a.md".into(), ".".into(), text.to_string());
        assert_eq!(c.spans[0].text, "Foo");
        assert_eq!(c.spans[0].line, 3);
        assert_eq!(c.links[0].text, "y.md#z");
        assert_eq!(c.code_blocks[0].lang, "console");
        assert_eq!(c.code_blocks[0].lines[0].line, 6);
        assert_eq!(c.heading_ids, ["title", "title-1"]);
    }
}
