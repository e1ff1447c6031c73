package grapple.bot.forge;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures as GitHub, Gitea and JIRA make them: the hex HMAC-SHA256 of the raw body with
 * the shared secret (GitHub's and JIRA's after {@code sha256=}), compared in constant time.
 */
public final class Signatures {
  private static final String PREFIX = "sha256=";

  private Signatures() {}

  /**
   * True when {@code header} is {@code sha256=<hex>} of exactly {@code body}; a missing or {@code
   * sha1=} one is not.
   */
  public static boolean matches(byte[] secret, Optional<String> header, byte[] body) {
    if (header.isEmpty() || !header.get().startsWith(PREFIX)) return false;
    return hexMatches(hmac(secret, body), header.get().substring(PREFIX.length()));
  }

  /**
   * True when {@code header} could be a signature {@link #matches} checks: {@code sha256=} and 64
   * hex digits. One that is not is refused before the body it would sign is read.
   */
  public static boolean wellFormed(Optional<String> header) {
    return header.isPresent()
        && header.get().startsWith(PREFIX)
        && isHexSha256(header.get().substring(PREFIX.length()));
  }

  /** True when {@code hex} is 64 hex digits (any case): the length of an HMAC-SHA256. */
  public static boolean isHexSha256(String hex) {
    return hex.length() == 64 && hex.chars().allMatch(HexFormat::isHexDigit);
  }

  /** True when {@code hex} (any case) spells {@code expected}; text that is not hex does not. */
  public static boolean hexMatches(byte[] expected, String hex) {
    byte[] given;
    try {
      given = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return false; // not hex: not a signature
    }
    return MessageDigest.isEqual(expected, given);
  }

  public static byte[] hmac(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256", e);
    }
  }
}
