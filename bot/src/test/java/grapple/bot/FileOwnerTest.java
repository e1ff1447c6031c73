package grapple.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import grapple.state.Location;
import grapple.state.StorageException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileOwnerTest {
  @TempDir Path dir;

  /** Run in a second JVM: holds the file until its standard input closes. */
  public static void main(String[] args) throws Exception {
    try (FileOwner owner = FileOwner.claim(Location.sqlite(Path.of(args[0])))) {
      System.out.println(owner != null ? "held" : "not held");
      System.out.flush();
      while (System.in.read() != -1) {
        // Holding on until the test lets go.
      }
    }
  }

  @Test
  void aSecondProcessOnTheSameSqliteFileIsRefusedNamingTheFileAndTheLock() throws Exception {
    Path file = dir.resolve("grapple.db");
    Process other =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                FileOwnerTest.class.getName(),
                file.toString())
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("held");

      assertThatThrownBy(() -> FileOwner.claim(Location.sqlite(file)))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining(file.toAbsolutePath().toString())
          .hasMessageContaining("in use by another Grapple process")
          .hasMessageContaining("grapple.db.lock")
          .hasMessageContaining("database.path");
    } finally {
      other.getOutputStream().close();
      assertThat(other.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }

    try (FileOwner mine = FileOwner.claim(Location.sqlite(file))) {
      assertThat(mine).as("free again once the other process let go").isNotNull();
    }
  }

  /**
   * A database.path in a directory that does not exist stopped the start with "cannot open its lock
   * file ...: java.nio.file.NoSuchFileException: ..." (a Java class name, the missing directory
   * unnamed); a directory as database.path left a stray lock file beside it and an SQLite error.
   */
  @Test
  void aMissingDirectoryOrADirectoryAsTheFileIsNamedAsSuch() {
    Path missing = dir.resolve("nope").resolve("grapple.db");

    assertThatThrownBy(() -> FileOwner.claim(Location.sqlite(missing)))
        .isInstanceOf(StorageException.class)
        .hasMessage(
            "database "
                + missing
                + ": the directory "
                + dir.resolve("nope")
                + " does not exist; create it, or set database.path to a file in one that does");
    assertThatThrownBy(() -> FileOwner.claim(Location.sqlite(dir)))
        .isInstanceOf(StorageException.class)
        .hasMessage(
            "database " + dir + ": is a directory; database.path names the SQLite file itself");
    assertThat(dir.resolveSibling(dir.getFileName() + ".lock")).doesNotExist();
  }

  @Test
  void anotherFileIsNotHeldUp() throws Exception {
    try (FileOwner one = FileOwner.claim(Location.sqlite(dir.resolve("one.db")));
        FileOwner two = FileOwner.claim(Location.sqlite(dir.resolve("two.db")))) {
      assertThat(one).isNotSameAs(two);
      assertThat(dir.resolve("one.db.lock")).exists();
      assertThat(dir.resolve("two.db.lock")).exists();
    }
  }
}
