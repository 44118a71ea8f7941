//! The pipeline's data-flow diagram, printed by the binary and pasted in the journal.

/// The data flow of the binary's pipeline ([`crate::report::demo`]): a generator, `process`
/// fanned out to N workers that share one input, and a sink on the calling thread.
pub const DIAGRAM: &str = r"
                               ctx.done()
      (Pipeline::cancel, the parent's cancel or deadline, the first stage error)
             |                      |                        |
             v                      v                        v
      +-------------+        +-------------+         +---------------+
      |  generate   |  [c]   | process  #1 |  [c]    |     sink      |
      |  0, 1, ...  |=======>| process  #2 |========>| caller thread |
      |  1 thread   |        |    ...      |         | takes K / all |
      +-------------+        | process  #N |         +---------------+
                             +-------------+
      [c] = crossbeam bounded(c) channel: at most c messages wait in it

  generate => process: one Receiver cloned N times, each item reaches exactly one worker.
  process => sink:     one Sender cloned N times, closed when the last worker drops its clone.
  Every send and receive is select! { recv(ctx.done()), send/recv(channel) }.
  Stop short: the sink returns, dropping its Receiver; each worker's next send fails, it
  exits and drops its input Receiver; generate's next send fails; wait() joins them all.
";
