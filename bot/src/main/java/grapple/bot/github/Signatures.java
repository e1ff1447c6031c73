package grapple.bot.github;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub's webhook signature: {@code sha256=<hex HMAC-SHA256(secret, raw body)>}, compared in
 * constant time.
 */
final class Signatures {
  private static final String PREFIX = "sha256=";

  private Signatures() {}

  /**
   * True when {@code header} is the signature of exactly {@code body}; a missing or {@code sha1=}
   * one is not.
   */
  static boolean matches(byte[] secret, Optional<String> header, byte[] body) {
    if (header.isEmpty() || !header.get().startsWith(PREFIX)) return false;
    byte[] given;
    try {
      given =
          HexFormat.of().parseHex(header.get().substring(PREFIX.length()).toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(hmac(secret, body), given);
  }

  static byte[] hmac(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac.doFinal(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256", e);
    }
  }
}
