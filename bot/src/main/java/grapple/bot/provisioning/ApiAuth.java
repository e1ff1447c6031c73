package grapple.bot.provisioning;

import grapple.bot.config.Config;
import grapple.bot.http.Request;
import grapple.state.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * Checks {@code Authorization}: {@code Bearer <secret or API key>}, or HTTP Basic with user {@code
 * apikey} (or none) and the key as password, or the key as user and any password, as the corporate
 * portal's clients send it. Every known token is compared, in constant time, so the answer's timing
 * tells nothing about which one nearly matched.
 */
final class ApiAuth {
  private static final String BASIC_USER = "apikey";
  private final Config.Provisioning settings;

  ApiAuth(Config.Provisioning settings) {
    this.settings = settings;
  }

  Caller authenticate(Request request) {
    return check(token(request));
  }

  /**
   * Who {@code presented} is: the plain secret or one of the keys; else HS_BAD_TOKEN. Whitespace
   * around it is not part of it, at every door alike (a Bearer header, HTTP Basic, JSON-RPC's
   * {@code api_key}): a key pasted with its line break is still the key.
   */
  Caller check(String presented) {
    byte[] given = Sha256.of(presented.strip());
    Caller found = null;
    if (settings.secret() != null && matches(given, settings.secret()))
      found = Caller.plainSecret();
    for (Config.ApiKey key : settings.tokens()) {
      if (matches(given, key.token())) found = new Caller(key.name(), key.scopes(), key.rooms());
    }
    if (found == null)
      throw new ApiException(ErrorCode.BAD_TOKEN, "The token is not valid for this bot.");
    return found;
  }

  /**
   * {@code given} (a digest) is {@code expected}'s: both sides digested, so the comparison takes
   * the same time whatever the lengths of the token presented and of the one it is compared with.
   */
  private static boolean matches(byte[] given, String expected) {
    return MessageDigest.isEqual(given, Sha256.of(expected));
  }

  /**
   * The token {@code Authorization} carries; else HS_BAD_TOKEN saying what is wrong with the header
   * (missing, a scheme other than Bearer or Basic, an empty Bearer, a Basic that is not Base64 of
   * {@code user:password}), never quoting it: a header without a scheme may be the secret itself.
   */
  private static String token(Request request) {
    Optional<String> header = request.header("Authorization").map(String::strip);
    if (header.isEmpty() || header.get().isEmpty()) {
      throw new ApiException(
          ErrorCode.BAD_TOKEN, "Missing credentials: send Authorization: Bearer <token>.");
    }
    String value = header.get();
    if (value.regionMatches(true, 0, "Bearer", 0, 6)
        && (value.length() == 6 || Character.isWhitespace(value.charAt(6)))) {
      String token = value.substring(6).strip();
      if (token.isEmpty()) {
        throw new ApiException(
            ErrorCode.BAD_TOKEN,
            "Authorization: Bearer has no token after it: send Authorization: Bearer <token>.");
      }
      return token;
    }
    if (value.regionMatches(true, 0, "Basic ", 0, 6))
      return basicPassword(value.substring(6).strip())
          .orElseThrow(
              () ->
                  new ApiException(
                      ErrorCode.BAD_TOKEN,
                      "Authorization: Basic must be the Base64 of 'apikey:<token>' (user and"
                          + " password joined by ':'); it was not."));
    throw new ApiException(
        ErrorCode.BAD_TOKEN,
        "Authorization must be 'Bearer <token>' or HTTP Basic with user apikey and the token as"
            + " password; it had neither scheme.");
  }

  private static Optional<String> basicPassword(String encoded) {
    try {
      String pair = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      if (colon < 0) return Optional.empty();
      String user = pair.substring(0, colon);
      // No user at all (curl -u :KEY) is the key as password too: the seed's clients may give the
      // token "for the username and/or password". Another user's password is not read as a key.
      if (user.equals(BASIC_USER) || user.isEmpty()) return Optional.of(pair.substring(colon + 1));
      return Optional.of(user);
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // Not Base64: no usable credentials, answered as a bad token.
    }
  }
}
