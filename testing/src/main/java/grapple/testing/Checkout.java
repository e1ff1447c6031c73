package grapple.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The Grapple checkout the tests or the bench run in. */
public final class Checkout {
  private Checkout() {}

  /** The first directory at or above the working directory that holds pom.xml and bot/. */
  public static Path root() {
    Path start = Path.of("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("bot")))
        return dir;
    }
    throw new IllegalStateException(
        "run from inside the grapple checkout (no pom.xml + bot/ at or above " + start + ")");
  }
}
