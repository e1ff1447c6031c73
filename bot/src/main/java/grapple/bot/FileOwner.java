package grapple.bot;

import grapple.state.Location;
import grapple.state.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;

/**
 * One Grapple process per SQLite file, held by a lock on {@code <file>.lock} beside it for as long
 * as the process runs: the outbox goes to delivery as each write commits, which is right only while
 * this process is the file's only writer (two bots on one file would also sync and answer twice).
 * PostgreSQL needs none: its instances share the database by design.
 */
final class FileOwner implements AutoCloseable {
  private final @Nullable FileChannel channel;

  private FileOwner(@Nullable FileChannel channel) {
    this.channel = channel;
  }

  /** Takes the file for this process; refuses, naming the file, when another process has it. */
  static FileOwner claim(Location where) {
    if (!(where instanceof Location.Sqlite sqlite)) return new FileOwner(null);
    return claim(
        sqlite.file(), true, "stop that one first, or give this one its own database.path");
  }

  /**
   * Takes {@code file} for a tool that reads it as it is ({@code db copy}): refuses, naming the
   * lock, while a Grapple holds it, in this process too.
   */
  static FileOwner claimIdle(Path file, String advice) {
    return claim(file, false, advice);
  }

  private static FileOwner claim(Path path, boolean shareWithThisProcess, String advice) {
    Path file = path.toAbsolutePath();
    Path lock = file.resolveSibling(file.getFileName() + ".lock");
    Path directory = file.getParent();
    if (directory != null && !Files.isDirectory(directory)) {
      throw new StorageException(
          "database "
              + file
              + ": the directory "
              + directory
              + " does not exist; create it, or set database.path to a file in one that does");
    }
    if (Files.isDirectory(file)) {
      throw new StorageException(
          "database " + file + ": is a directory; database.path names the SQLite file itself");
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StorageException(
          "database " + file + ": cannot open its lock file " + lock + ": " + reason(e));
    }
    try {
      FileLock held = channel.tryLock();
      if (held != null) return new FileOwner(channel);
      closeQuietly(channel);
      throw new StorageException(
          "database "
              + file
              + ": in use by another Grapple process (it holds "
              + lock
              + "); "
              + advice);
    } catch (OverlappingFileLockException e) {
      // Another Grapple in this very JVM (tests start several): it holds the lock for the process.
      closeQuietly(channel);
      if (!shareWithThisProcess) {
        throw new StorageException(
            "database " + file + ": in use by a Grapple (it holds " + lock + "); " + advice);
      }
      return new FileOwner(null);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageException("database " + file + ": cannot lock " + lock + ": " + reason(e));
    }
  }

  /** Why a file operation failed, in words: a Java class name tells an operator nothing. */
  private static String reason(IOException e) {
    if (e instanceof AccessDeniedException) return "permission denied";
    if (e instanceof FileSystemException fs && fs.getReason() != null) return fs.getReason();
    return String.valueOf(e.getMessage());
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing releases the lock, which is all we wanted of it.
    }
  }

  /** Lets the file go (the operating system does as much when the process dies). */
  @Override
  public void close() {
    if (channel != null) closeQuietly(channel);
  }
}
