package grapple.state;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Why making a file (the database, the secrets key) failed, in words: the message of most of
 * java.nio's exceptions is only a path ("cannot create /etc/grapple/grapple.key:
 * /etc/grapple/grapple.key"), and their class names tell an operator nothing.
 */
final class FileErrors {
  private FileErrors() {}

  /** Why creating {@code path} (and the directories above it) failed with {@code e}. */
  static String whyNotCreated(IOException e, Path path) {
    if (!(e instanceof FileSystemException fs)) return String.valueOf(e.getMessage());
    String file = fs.getFile();
    boolean other = file != null && !file.equals(path.toString());
    if (e instanceof FileAlreadyExistsException && other) {
      return file + " is a file, not a directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      // Files.exists said no a moment ago: a link that leads nowhere, or another process made it.
      return brokenLink(path)
          .orElse("another process made it meanwhile (an instance starting too?); start again");
    }
    String why =
        fs.getReason() != null
            ? fs.getReason()
            : e instanceof AccessDeniedException
                ? "permission denied"
                : e instanceof NoSuchFileException ? "no such file or directory" : "failed";
    return why + (other ? " (" + file + ")" : "");
  }

  /** "it is a link to T, which ..." when {@code path} is a symbolic link that leads to no file. */
  static Optional<String> brokenLink(Path path) {
    if (!Files.isSymbolicLink(path)) return Optional.empty();
    try {
      return Optional.of(
          "it is a link to "
              + Files.readSymbolicLink(path)
              + ", which does not exist (or is a link that never ends)");
    } catch (IOException e) {
      return Optional.of("it is a symbolic link that cannot be read");
    }
  }
}
