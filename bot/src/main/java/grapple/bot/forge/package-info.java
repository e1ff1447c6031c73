/**
 * What the forge services (GitHub, GitLab, Gitea, JIRA) share: the notice builder, labels,
 * mentions, and the plumbing every forge repeats; and what the hook services (webhook, outbound)
 * share with each other. A service's own rules stay in its own package.
 */
@NullMarked
package grapple.bot.forge;

import org.jspecify.annotations.NullMarked;
