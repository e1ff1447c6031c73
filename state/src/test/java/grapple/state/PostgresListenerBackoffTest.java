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
    assertThat(PostgresBackend.Backoff.delayMillis(0)).isEqualTo(1_000L);
    for (int failures = 1; failures < 1_000; failures++)
      assertThat(PostgresBackend.Backoff.delayMillis(failures)).isBetween(1_000L, 2_000L);
  }
}
