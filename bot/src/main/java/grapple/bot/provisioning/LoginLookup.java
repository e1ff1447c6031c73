package grapple.bot.provisioning;

import java.util.Optional;

/**
 * Finds a forge account's login by its id, for an administrator's identity link given only the id
 * (CONTRACT §14: {@code {"github": {"id": "583231"}}}); mentions and {@code assign} match logins.
 */
@FunctionalInterface
public interface LoginLookup {
  /**
   * The login of the account with this id; empty when the forge has no such account. Throws
   * BadInput naming {@code <forge>.id} when the id cannot be one of the forge's, and ApiException
   * {@link ErrorCode#FORGE_UNREACHABLE} when the forge could not be asked.
   */
  Optional<String> login(String id);
}
