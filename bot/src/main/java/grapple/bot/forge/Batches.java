package grapple.bot.forge;

import grapple.bot.outbox.Outbox;
import grapple.state.OutboxStore;
import grapple.state.SqlWork;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * Posting a debounced batch (GitHub's label changes, GitLab's comments): its messages go out in the
 * transaction that deletes it, unless something joined it meanwhile; then it waits for its next
 * quiet time.
 */
public final class Batches {
  private Batches() {}

  /**
   * Posts {@code drafts} together with {@code remove}, the batch's delete; nothing is posted when
   * {@code remove} throws {@link Superseded}.
   */
  public static void post(Outbox outbox, List<OutboxStore.Draft> drafts, SqlWork<?> remove) {
    try {
      outbox.postAll(drafts, remove).join();
    } catch (CompletionException e) {
      if (!(e.getCause() instanceof Superseded)) throw e;
    }
  }

  /** Something newer joined the batch while it was being posted: nothing is posted, it waits. */
  public static final class Superseded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code what}: "label", "comment". */
    public Superseded(String what) {
      super("the " + what + " batch changed while it was posted");
    }
  }
}
