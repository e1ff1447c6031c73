package grapple.state;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KeyValueStoreTest extends OnBothDialects {
  private KeyValueStore kv;

  @BeforeEach
  void openStore() {
    kv = new KeyValueStore(db);
  }

  @Test
  void anUnknownKeyHasNoValue() {
    assertThat(kv.get("missing")).isEmpty();
  }

  @Test
  void putThenGetRoundTrips() {
    kv.put("login.accessToken", "syt_abc");

    assertThat(kv.get("login.accessToken")).contains("syt_abc");
  }

  @Test
  void putAgainReplacesTheValue() {
    kv.put("k", "old");

    kv.put("k", "new");

    assertThat(kv.get("k")).contains("new");
  }

  @Test
  void withPrefixFindsTheKeysThatStartWithIt() {
    kv.put("room-upgrade.replaced-by:!a:x", "!b:x");
    kv.put("room-upgrade.replaced-by:!c:x", "!d:x");
    kv.put("room-upgrade.replaces:!b:x", "!a:x");

    assertThat(kv.withPrefix("room-upgrade.replaced-by:"))
        .containsOnlyKeys("room-upgrade.replaced-by:!a:x", "room-upgrade.replaced-by:!c:x")
        .containsEntry("room-upgrade.replaced-by:!a:x", "!b:x");
  }
}
