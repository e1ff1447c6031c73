package grapple.testing;

import static org.assertj.core.api.Assertions.assertThat;

import grapple.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class TestDatabaseTest {
  @Test
  void opensADatabaseWithTheCoreTables() {
    try (TestDatabase database = TestDatabase.open()) {
      KeyValueStore kv = new KeyValueStore(database.db());

      kv.put("k", "v");

      assertThat(kv.get("k")).contains("v");
    }
  }

  @Test
  void reopenKeepsWhatWasWritten() {
    try (TestDatabase database = TestDatabase.open()) {
      new KeyValueStore(database.db()).put("k", "v");

      KeyValueStore reopened = new KeyValueStore(database.reopen());

      assertThat(reopened.get("k")).contains("v");
    }
  }

  @Test
  void closeDeletesTheDatabaseAndItsDirectory() {
    TestDatabase database = TestDatabase.open();
    new KeyValueStore(database.db()).put("k", "v");

    database.close();

    assertThat(database.file()).doesNotExist();
    assertThat(database.file().getParent()).doesNotExist();
  }
}
