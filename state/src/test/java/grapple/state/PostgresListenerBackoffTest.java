package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PostgresListenerBackoffTest {
  /**
   * README: every instance hears of other instances' changes "every 2 s anyway". While the database
   * is away the listener retries no less often than that, so it hears them again within its tick of
   * the database coming back, however long the outage was.
   */
  @Test
  void theListenerRetriesAtLeastAsOftenAsItsTickHoweverLongTheOutage() {
    for (int failures = 0; failures < 1_000; failures++)
      assertThat(PostgresBackend.Backoff.delayMillis(failures)).isBetween(1_000L, 2_000L);
  }

  /**
   * The listen loop counts a failed connect before it waits, so the first retry is the wait after
   * one failure: 1 s, as the Javadoc says, then the 2 s tick.
   */
  @Test
  void theFirstRetryAfterALostConnectionWaitsOneSecondThenTheTick() {
    assertThat(PostgresBackend.Backoff.delayMillis(1)).isEqualTo(1_000L);
    assertThat(PostgresBackend.Backoff.delayMillis(2)).isEqualTo(2_000L);
  }
}
