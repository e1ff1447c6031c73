package grapple.bot.forge;

import grapple.state.BadInput;
import java.util.Map;
import okhttp3.HttpUrl;

/**
 * The settings of a forge whose servers are configured by name (GitLab, Gitea): an administrator's
 * identity link names one of them (CONTRACT §14), as the accounts users link do.
 */
public interface ForgeInstances {
  /** The configured servers by name. */
  Map<String, HttpUrl> instances();

  /**
   * The URL of the instance {@code instances} names {@code name}; BadInput naming {@code field}
   * when the config has none of that name. Not a ForgeException: no forge was asked, so it is
   * neither a forge's "not found" nor a 404 page before it ({@link ForgeHttp#refusal}).
   */
  static HttpUrl named(Map<String, HttpUrl> instances, String name, String field, String forge) {
    HttpUrl url = instances.get(name);
    if (url != null) return url;
    String known = instances.isEmpty() ? "none" : String.join(", ", instances.keySet());
    throw new BadInput(
        field, "unknown " + forge + " instance '" + name + "' (known: " + known + ")");
  }
}
