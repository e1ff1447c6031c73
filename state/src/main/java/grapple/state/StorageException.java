package grapple.state;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/** The database could not be opened, migrated or written; the message says which file and why. */
public final class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean outcomeUnknown;

  public StorageException(String message, Throwable cause) {
    this(message, cause, false);
  }

  public StorageException(String message) {
    super(message);
    this.outcomeUnknown = false;
  }

  private StorageException(String message, Throwable cause, boolean outcomeUnknown) {
    super(message, cause);
    this.outcomeUnknown = outcomeUnknown;
  }

  /** A write that may have been stored all the same: whether it committed cannot be learnt. */
  static StorageException outcomeUnknown(String message, Throwable cause) {
    return new StorageException(message, cause, true);
  }

  /**
   * True when the write may have been stored all the same (PostgreSQL's connection broke as it
   * committed, and the server could not be asked): not to be told to a sender as "nothing stored".
   */
  public boolean outcomeUnknown() {
    return outcomeUnknown;
  }

  /**
   * True when {@code failure}, a write's failure as its future gives it (wrapped in the
   * CompletionException or ExecutionException of a dependent stage or a get, however deep), is a
   * StorageException whose write {@linkplain #outcomeUnknown() may have been stored}.
   */
  public static boolean outcomeUnknown(@Nullable Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause instanceof StorageException storage && storage.outcomeUnknown;
  }
}
