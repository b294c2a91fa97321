//! `ao demo`: the whole lifecycle offline.
use super::GlobalArgs;

/// Run the whole lifecycle on a throwaway repo.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Keep the temporary directory.
    #[arg(long)]
    pub keep: bool,
    /// Print a JSON summary at the end.
    #[arg(long)]
    pub json: bool,
}

/// Runs `ao demo`.
pub fn run(_g: &GlobalArgs, a: &DemoArgs) -> anyhow::Result<()> {
    let tmp = tempfile::Builder::new().prefix("ao-demo-").tempdir()?;
    let dir = tmp.path().to_path_buf();
    let json = a.json;
    let mut say = |line: &str| {
        if json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let report = crate::demo::run(&dir, json, a.keep, &mut say);
    if a.keep {
        let kept = tmp.keep();
        eprintln!("Kept the demo directory: {}", kept.display());
    }
    let report = report?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"schemaVersion": 1, "demo": report}))?
        );
    } else {
        println!("\nTimeline:");
        for e in &report.timeline {
            if e.kind == crate::model::EventKind::TickDone {
                continue;
            }
            let ts = e.ts.round(jiff::Unit::Second).unwrap_or(e.ts);
            println!(
                "  {ts}  {:<8} {:<22} {}",
                e.session.as_deref().unwrap_or("-"),
                e.kind,
                e.message.replace('\n', " ")
            );
        }
        println!(
            "\n{} in {:.1}s over {} ticks.",
            if report.completed {
                "Demo complete"
            } else {
                "Demo did NOT complete"
            },
            report.seconds,
            report.ticks
        );
    }
    if report.completed {
        Ok(())
    } else {
        Err(crate::error::SilentExit { code: 1 }.into())
    }
}
