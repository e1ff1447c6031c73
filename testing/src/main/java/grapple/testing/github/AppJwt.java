package grapple.testing.github;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Checks a GitHub App JWT as GitHub does: RS256 signed with the app's key, {@code iss} the app id
 * (a number or a string) or its client id, {@code exp} in the future but at most 10 minutes away.
 * See
 * https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 */
final class AppJwt {
  private static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

  /** Slack for the caller's clock, which GitHub allows too. */
  private static final Duration DRIFT = Duration.ofSeconds(60);

  private static final String UNDECODABLE = "A JSON web token could not be decoded";

  private AppJwt() {}

  /** True for a credential shaped like a JWT: three base64url parts, the first a JSON object. */
  static boolean looksLike(String credential) {
    return credential.startsWith("eyJ") && credential.chars().filter(c -> c == '.').count() == 2;
  }

  /**
   * Returns normally if {@code jwt} authenticates as {@code app} at {@code now}; else throws the
   * 401 GitHub gives.
   */
  static void verify(String jwt, FakeApp app, Instant now) {
    String[] parts = jwt.split("\\.", -1);
    JsonNode header = decode(parts[0]);
    JsonNode claims = decode(parts[1]);
    if (!header.path("alg").asText().equals("RS256")) throw new ApiFailure(401, UNDECODABLE);
    if (app == null || !issuedBy(claims.path("iss"), app))
      throw new ApiFailure(401, "Integration not found");
    if (!signatureVerifies(parts, app)) throw new ApiFailure(401, UNDECODABLE);
    checkTimes(claims, now);
  }

  private static boolean issuedBy(JsonNode iss, FakeApp app) {
    return iss.asText().equals(String.valueOf(app.id)) || iss.asText().equals(app.clientId());
  }

  private static void checkTimes(JsonNode claims, Instant now) {
    JsonNode iat = claims.path("iat");
    JsonNode exp = claims.path("exp");
    if (!iat.isIntegralNumber() || Instant.ofEpochSecond(iat.asLong()).isAfter(now.plus(DRIFT))) {
      throw new ApiFailure(
          401,
          "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.");
    }
    if (!exp.isIntegralNumber() || !Instant.ofEpochSecond(exp.asLong()).isAfter(now)) {
      throw new ApiFailure(
          401,
          "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.");
    }
    if (Instant.ofEpochSecond(exp.asLong()).isAfter(now.plus(MAX_LIFETIME).plus(DRIFT))) {
      throw new ApiFailure(401, "'Expiration time' claim ('exp') is too far in the future.");
    }
  }

  private static boolean signatureVerifies(String[] parts, FakeApp app) {
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initVerify(app.publicKey);
      signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      return signature.verify(Base64.getUrlDecoder().decode(parts[2]));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false; // a malformed signature is as bad as a wrong one
    }
  }

  private static JsonNode decode(String part) {
    try {
      return GithubCorpus.JSON.readTree(Base64.getUrlDecoder().decode(part));
    } catch (IOException | IllegalArgumentException e) {
      throw new ApiFailure(401, UNDECODABLE);
    }
  }
}
