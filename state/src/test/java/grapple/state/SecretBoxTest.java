package grapple.state;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
  @TempDir Path dir;
  private Database db;

  @BeforeEach
  void open() {
    db = Database.open(dir.resolve("grapple.db"));
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static byte[] key(int fill) {
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) fill);
    return key;
  }

  @Test
  void aSealedValueOpensOnlyWithItsKeyAndContextAndUnchanged() {
    SecretBox box = SecretBox.of(key(1));
    String sealed = box.seal("ghp_secret", "github token of @a:x");

    assertThat(sealed).startsWith("v1.").doesNotContain("ghp_secret");
    assertThat(box.open(sealed, "github token of @a:x")).contains("ghp_secret");
    assertThat(box.open(sealed, "github token of @b:x")).as("another row's context").isEmpty();
    assertThat(SecretBox.of(key(2)).open(sealed, "github token of @a:x"))
        .as("another key")
        .isEmpty();
    String changed =
        sealed.substring(0, sealed.length() - 2) + (sealed.endsWith("A") ? "BB" : "AA");
    assertThat(box.open(changed, "github token of @a:x")).as("one byte changed").isEmpty();
    assertThat(box.open("garbage", "x")).isEmpty();
  }

  @Test
  void sealingTwiceGivesDifferentText() {
    SecretBox box = SecretBox.of(key(1));

    assertThat(box.seal("same", "c")).isNotEqualTo(box.seal("same", "c"));
  }

  @Test
  void theFirstStartMakesAKeyFileReadableOnlyByItsOwner() throws Exception {
    Path keyFile = dir.resolve("grapple.key");

    SecretBox box = SecretBox.load(keyFile, null, db, false);

    assertThat(Files.getPosixFilePermissions(keyFile))
        .containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
    assertThat(Base64.getDecoder().decode(Files.readString(keyFile).trim())).hasSize(32);
    assertThat(SecretBox.load(keyFile, null, db, false).open(box.seal("t", "c"), "c"))
        .contains("t");
  }

  /** The key is written under a temporary name and linked in whole; nothing else is left. */
  @Test
  void makingTheKeyLeavesOnlyTheKeyFileInItsDirectory() throws Exception {
    Path keyFile = dir.resolve("keys").resolve("grapple.key");

    SecretBox.load(keyFile, null, db, false);

    try (var names = Files.list(keyFile.getParent())) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactly("grapple.key");
    }
    assertThat(Files.readString(keyFile)).hasSize(45).endsWith("\n");
  }

  @Test
  void theEnvironmentsKeyWinsOverTheFile() {
    String base64 = Base64.getEncoder().encodeToString(key(7));

    SecretBox box = SecretBox.load(dir.resolve("never-made.key"), base64, db, false);

    assertThat(SecretBox.of(key(7)).open(box.seal("t", "c"), "c")).contains("t");
    assertThat(dir.resolve("never-made.key")).doesNotExist();
  }

  /**
   * Two instances starting at once on an empty database: the one whose check lands second finds the
   * other's, and refuses to start with its own key (with SQLite, one instance, it replaces it).
   */
  @Test
  void aKeyCheckWrittenFirstByAnotherInstanceWins() {
    KeyValueStore kv = new KeyValueStore(db);
    SecretBox.checked(SecretBox.of(key(1)), kv, false);

    assertThatThrownBy(() -> SecretBox.checked(SecretBox.of(key(2)), kv, false))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("another instance sealed")
        .hasMessageContaining("GRAPPLE_SECRET_KEY");
    SecretBox same = SecretBox.of(key(1));
    assertThat(SecretBox.checked(same, kv, false)).as("the same key starts").isSameAs(same);
    assertThat(kv.putIfAbsent(SecretBox.CHECK_KEY, "other"))
        .as("the first check stays")
        .isNotEqualTo("other");
    SecretBox replacing = SecretBox.of(key(2));
    assertThat(SecretBox.checked(replacing, kv, true)).isSameAs(replacing);
    assertThat(replacing.open(kv.get(SecretBox.CHECK_KEY).orElseThrow(), SecretBox.CHECK_CONTEXT))
        .as("SQLite's one instance replaces the check")
        .isPresent();
  }

  @Test
  void aKeyOtherThanTheDatabasesIsRefusedWithWhatToDo() {
    SecretBox.load(dir.resolve("grapple.key"), null, db, false);

    assertThatThrownBy(
            () ->
                SecretBox.load(
                    dir.resolve("other.key"),
                    Base64.getEncoder().encodeToString(key(9)),
                    db,
                    false))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("is not the key the database's secrets")
        .hasMessageContaining("GRAPPLE_SECRET_KEY");
  }

  @Test
  void aMissingKeyFileForADatabaseWithSecretsIsRefusedUnlessReplacingIsAllowed() throws Exception {
    Path keyFile = dir.resolve("grapple.key");
    SecretBox first = SecretBox.load(keyFile, null, db, false);
    String sealed = first.seal("old token", "c");
    Files.delete(keyFile);

    assertThatThrownBy(() -> SecretBox.load(keyFile, null, db, false))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("does not exist, but the database holds secrets");
    SecretBox replaced = SecretBox.load(keyFile, null, db, true);

    assertThat(replaced.open(sealed, "c")).as("a token sealed with the lost key").isEmpty();
    assertThat(SecretBox.load(keyFile, null, db, false).open(replaced.seal("new", "c"), "c"))
        .contains("new");
  }

  /**
   * A key file that cannot be made was refused as "cannot create X: Y" with Y only a path: the
   * reason was left out. A file where its directory should be is named as such.
   */
  @Test
  void aKeyFileThatCannotBeMadeSaysWhy() throws Exception {
    Path notADirectory = java.nio.file.Files.writeString(dir.resolve("plain.txt"), "x");
    Path keyFile = notADirectory.resolve("grapple.key");

    assertThatThrownBy(() -> SecretBox.load(keyFile, null, db, false))
        .isInstanceOf(StorageException.class)
        .hasMessage(
            "secrets: cannot create "
                + keyFile
                + " (secrets.keyFile): "
                + notADirectory
                + " is a file, not a directory");
  }

  /**
   * A key file that is a link to nothing (a secrets volume not mounted) was refused as "cannot
   * create X (secrets.keyFile): failed": Files.exists follows the link and says no, and creating it
   * finds the link there.
   */
  @Test
  void aKeyFileThatIsALinkToNothingSaysSo() throws Exception {
    Path target = dir.resolve("secrets").resolve("grapple.key");
    Path keyFile = Files.createSymbolicLink(dir.resolve("grapple.key"), target);

    assertThatThrownBy(() -> SecretBox.load(keyFile, null, db, false))
        .isInstanceOf(StorageException.class)
        .hasMessage(
            "secrets: cannot create "
                + keyFile
                + " (secrets.keyFile): it is a link to "
                + target
                + ", which does not exist (or is a link that never ends)");
  }

  @Test
  void aKeyThatIsNotBase64Or32BytesIsNamed() {
    assertThatThrownBy(() -> SecretBox.load(dir.resolve("k"), "not base64!", db, false))
        .hasMessageContaining("GRAPPLE_SECRET_KEY is not base64");
    assertThatThrownBy(
            () ->
                SecretBox.load(
                    dir.resolve("k"), Base64.getEncoder().encodeToString(new byte[16]), db, false))
        .hasMessageContaining("must hold 32 bytes");
  }

  /**
   * Every refusal of a key taken from the file names the setting that points at it, as those of
   * GRAPPLE_SECRET_KEY name the variable: a path alone does not say what to change.
   */
  @Test
  void aRefusedKeyFileNamesTheSetting() throws Exception {
    Path keyFile = dir.resolve("grapple.key");
    SecretBox.load(keyFile, null, db, false);
    Files.delete(keyFile);
    assertThatThrownBy(() -> SecretBox.load(keyFile, null, db, false))
        .hasMessageContaining("does not exist, but the database holds secrets")
        .hasMessageContaining("secrets.keyFile");

    Files.writeString(keyFile, Base64.getEncoder().encodeToString(key(7)) + "\n");
    assertThatThrownBy(() -> SecretBox.load(keyFile, null, db, false))
        .hasMessageContaining("is not the key the database's secrets")
        .hasMessageContaining(keyFile + " (secrets.keyFile)");

    Files.writeString(keyFile, "not base64!\n");
    assertThatThrownBy(() -> SecretBox.load(keyFile, null, db, false))
        .hasMessageContaining(keyFile + " (secrets.keyFile) is not base64");
    Files.writeString(keyFile, Base64.getEncoder().encodeToString(new byte[16]) + "\n");
    assertThatThrownBy(() -> SecretBox.load(keyFile, null, db, false))
        .hasMessageContaining(keyFile + " (secrets.keyFile) must hold 32 bytes");
  }
}
