package grapple.bot.room;

import grapple.state.SqlWork;
import java.util.List;

/**
 * Database work that must commit in the same transaction as the sync position of the batch whose
 * events produced it (an outbound delivery queued for a room event), and what to do once it has
 * committed (wake the sender). A crash before the commit fetches the batch again and makes the work
 * again; after it, the batch is never handled twice: nothing is lost and nothing repeated.
 */
public record BatchWrites(List<SqlWork<?>> work, List<Runnable> committed) {
  public static final BatchWrites NONE = new BatchWrites(List.of(), List.of());

  public BatchWrites {
    work = List.copyOf(work);
    committed = List.copyOf(committed);
  }

  public boolean isEmpty() {
    return work.isEmpty();
  }

  /** Runs the after-commit actions; one failing does not stop the others. */
  public void afterCommit() {
    for (Runnable r : committed) {
      try {
        r.run();
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(BatchWrites.class)
            .warn("after a sync commit: {}", e.toString());
      }
    }
  }
}
