package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class StorageExceptionTest {
  private final StorageException maybeStored =
      StorageException.outcomeUnknown(
          "the connection broke as the write committed", new SQLException("lost", "08006"));

  @Test
  void aWriteThatMayHaveBeenStoredIsOutcomeUnknown() {
    assertThat(StorageException.outcomeUnknown(maybeStored)).isTrue();
  }

  @Test
  void aWriteThatFailedIsNotOutcomeUnknown() {
    StorageException failed = new StorageException("write failed", new SQLException("full"));

    assertThat(StorageException.outcomeUnknown(failed)).isFalse();
  }

  @Test
  void seesThroughTheCompletionExceptionOfADependentStage() {
    CompletableFuture<Object> write = CompletableFuture.failedFuture(maybeStored);

    Throwable failure = write.thenApply(x -> x).handle((x, e) -> e).join();

    assertThat(failure).isInstanceOf(CompletionException.class);
    assertThat(StorageException.outcomeUnknown(failure)).isTrue();
  }

  @Test
  void seesThroughTheExecutionExceptionOfAGetAndNestedWrappers() {
    Throwable failure = new ExecutionException(new CompletionException(maybeStored));

    assertThat(StorageException.outcomeUnknown(failure)).isTrue();
  }

  @Test
  void noFailureIsNotOutcomeUnknown() {
    assertThat(StorageException.outcomeUnknown(null)).isFalse();
    assertThat(StorageException.outcomeUnknown(new CompletionException(null))).isFalse();
  }
}
