package grapple.bot.forge;

import java.util.Map;
import okhttp3.HttpUrl;

/**
 * The settings of a forge whose servers are configured by name (GitLab, Gitea): an administrator's
 * identity link names one of them (CONTRACT §14), as the accounts users link do.
 */
public interface ForgeInstances {
  /** The configured servers by name. */
  Map<String, HttpUrl> instances();
}
