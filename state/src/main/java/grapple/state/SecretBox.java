package grapple.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals secrets at rest (forge tokens, refresh tokens, outbound tokens) with AES-256-GCM under one
 * key that lives outside the database: a database copied without the key yields no token. Each
 * sealed value is bound to a context (e.g. {@code github token of @alice:example.org}), so a value
 * moved to another row does not open.
 */
public final class SecretBox {
  private static final Logger log = LoggerFactory.getLogger(SecretBox.class);
  private static final String PREFIX = "v1.";
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * What the key check seals, in the key-value table: tells a wrong key from a right one at start.
   */
  static final String CHECK_KEY = "secrets.keyCheck";

  static final String CHECK_CONTEXT = "grapple key check";

  /** The config setting naming the key file, said with its path in every refusal of it. */
  private static final String KEY_FILE_SETTING = "secrets.keyFile";

  private final SecretKeySpec key;
  private final String source;

  private SecretBox(byte[] key, String source) {
    this.key = new SecretKeySpec(key, "AES");
    this.source = source;
  }

  /** True when tokens in {@code db} were sealed with a key, which the database does not hold. */
  public static boolean sealedWithAKey(Database db) {
    return new KeyValueStore(db).get(CHECK_KEY).isPresent();
  }

  /** A box with this key (32 bytes), for tests and tools. */
  public static SecretBox of(byte[] key) {
    if (key.length != KEY_BYTES)
      throw new IllegalArgumentException("the key must be 32 bytes, was " + key.length);
    return new SecretBox(key.clone(), "a given key");
  }

  /**
   * The key from {@code base64Key} (GRAPPLE_SECRET_KEY) when given, else from {@code keyFile}, made
   * (32 random bytes, base64, mode 0600) when it does not exist and {@code mayCreate}. Checked
   * against the database's key check: a key that cannot open it is refused (tokens sealed with
   * another key would all be unreadable), unless {@code mayReplace}, where it is logged and the old
   * tokens are given up. Throws StorageException with one sentence saying what to do.
   */
  public static SecretBox load(
      Path keyFile, @Nullable String base64Key, Database db, boolean mayReplace) {
    KeyValueStore kv = new KeyValueStore(db);
    Optional<String> check = kv.get(CHECK_KEY);
    SecretBox box;
    if (base64Key != null && !base64Key.isBlank()) {
      box = new SecretBox(decode(base64Key.trim(), "GRAPPLE_SECRET_KEY"), "GRAPPLE_SECRET_KEY");
    } else if (Files.exists(keyFile)) {
      box = new SecretBox(read(keyFile), named(keyFile));
    } else if (check.isPresent() && !mayReplace) {
      throw new StorageException(
          "secrets: "
              + named(keyFile)
              + " does not exist, but the database holds secrets sealed"
              + " with a key: give every instance the same key (the file "
              + KEY_FILE_SETTING
              + " names, or GRAPPLE_SECRET_KEY)");
    } else {
      box = new SecretBox(create(keyFile), named(keyFile));
      if (check.isPresent()) {
        log.error(
            "secrets: {} was missing, so a new key was made; the tokens stored before cannot be read:"
                + " users must link their accounts again (or stop, put the old key file back, and start)",
            keyFile);
      } else {
        log.info(
            "secrets: made the key {} (mode 0600); keep it with the database's backups", keyFile);
      }
      return checked(box, kv, mayReplace);
    }
    if (check.isEmpty()) {
      return checked(box, kv, mayReplace);
    } else if (box.open(check.get(), CHECK_CONTEXT).isEmpty()) {
      if (!mayReplace) {
        throw new StorageException(
            "secrets: the key from "
                + box.source
                + " is not the key the database's secrets"
                + " were sealed with: use that key (the file "
                + KEY_FILE_SETTING
                + " names, or GRAPPLE_SECRET_KEY)");
      }
      log.error(
          "secrets: the key from {} is not the one the stored tokens were sealed with; they cannot be read:"
              + " users must link their accounts again (or stop, restore the old key, and start)",
          box.source);
      kv.put(CHECK_KEY, box.seal("grapple", CHECK_CONTEXT));
    }
    return box;
  }

  /**
   * Writes the key check of a database that has none, unless another instance starting at the same
   * moment wrote its own first: then this key must be that one, or the instance refuses to start
   * (else each instance would seal tokens the others cannot open).
   */
  static SecretBox checked(SecretBox box, KeyValueStore kv, boolean mayReplace) {
    String check = kv.putIfAbsent(CHECK_KEY, box.seal("grapple", CHECK_CONTEXT));
    if (box.open(check, CHECK_CONTEXT).isPresent()) return box;
    if (mayReplace) {
      kv.put(CHECK_KEY, box.seal("grapple", CHECK_CONTEXT));
      return box;
    }
    throw new StorageException(
        "secrets: another instance sealed the database's secrets with another key while this one"
            + " started: give every instance the same key (the file "
            + KEY_FILE_SETTING
            + " names, or GRAPPLE_SECRET_KEY)");
  }

  private static byte[] read(Path keyFile) {
    try {
      return decode(Files.readString(keyFile, StandardCharsets.US_ASCII).trim(), named(keyFile));
    } catch (IOException e) {
      throw new StorageException(
          "secrets: cannot read " + named(keyFile) + ": " + FileErrors.whyNotCreated(e, keyFile),
          e);
    }
  }

  /** The key file as refusals and logs name it: its path and the setting that gave it. */
  private static String named(Path keyFile) {
    return keyFile + " (" + KEY_FILE_SETTING + ")";
  }

  private static byte[] decode(String base64, String where) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new StorageException("secrets: " + where + " is not base64");
    }
    if (key.length != KEY_BYTES) {
      throw new StorageException(
          "secrets: " + where + " must hold 32 bytes (base64), held " + key.length);
    }
    return key;
  }

  /**
   * A new key, written to {@code keyFile} whole or not at all: it is written and synced under a
   * temporary name beside it, then linked in under its own name (which fails if the name is taken)
   * and the directory synced. A disk that fills mid-write leaves no empty key file to refuse at the
   * next start, a power cut cannot keep the database's key check while losing the key, and of two
   * instances making the file at once the second reads the first one's key.
   */
  private static byte[] create(Path keyFile) {
    byte[] key = new byte[KEY_BYTES];
    RANDOM.nextBytes(key);
    Path parent = keyFile.toAbsolutePath().getParent();
    Path temporary = null;
    try {
      if (parent != null) Files.createDirectories(parent);
      Path dir = parent != null ? parent : Path.of(".");
      temporary =
          Files.createTempFile(
              dir,
              ".grapple-key-",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
        out.write(
            ByteBuffer.wrap(
                (Base64.getEncoder().encodeToString(key) + "\n")
                    .getBytes(StandardCharsets.US_ASCII)));
        out.force(true);
      }
      try {
        linkOrMove(temporary, keyFile);
      } catch (FileAlreadyExistsException e) {
        if (FileErrors.brokenLink(keyFile).isPresent() || !Files.isRegularFile(keyFile)) throw e;
        log.info("secrets: another instance made {} meanwhile; using its key", keyFile);
        return read(keyFile);
      }
      syncDirectory(dir);
      return key;
    } catch (IOException e) {
      throw new StorageException(
          "secrets: cannot create " + named(keyFile) + ": " + FileErrors.whyNotCreated(e, keyFile),
          e);
    } finally {
      if (temporary != null) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException e) {
          log.warn("secrets: cannot remove the temporary file {}: {}", temporary, e.toString());
        }
      }
    }
  }

  /**
   * Gives the whole file {@code temporary} the name {@code target} unless that name is taken: by a
   * hard link, or where the file system has none (SMB shares, some FUSE mounts) by a move that does
   * not replace (which checks and renames in two steps).
   */
  private static void linkOrMove(Path temporary, Path target) throws IOException {
    try {
      Files.createLink(target, temporary);
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException | UnsupportedOperationException e) {
      log.debug("secrets: cannot link {} ({}); moving it instead", target, e.toString());
      Files.move(temporary, target);
    }
  }

  /** Makes a new name in {@code dir} durable (Linux; elsewhere a directory cannot be opened). */
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      log.debug("secrets: cannot sync the directory {}: {}", dir, e.toString());
    }
  }

  /**
   * {@code plaintext} sealed for {@code context}: {@code v1.<base64url(nonce | ciphertext | tag)>}.
   */
  public String seal(String plaintext, String context) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every JDK", e);
    }
  }

  /** The plaintext, or empty when it was sealed with another key or context, or changed. */
  public Optional<String> open(String sealed, String context) {
    if (sealed == null || !sealed.startsWith(PREFIX)) return Optional.empty();
    try {
      byte[] in = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
      if (in.length < NONCE_BYTES + TAG_BITS / 8) return Optional.empty();
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] plain = cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
      return Optional.of(new String(plain, StandardCharsets.UTF_8));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Where the key came from (a file path or GRAPPLE_SECRET_KEY), for logs. */
  public String source() {
    return source;
  }
}
