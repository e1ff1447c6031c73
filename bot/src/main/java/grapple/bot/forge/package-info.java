/**
 * What the forge services (GitHub, GitLab, Gitea, JIRA) share: the notice builder, labels,
 * mentions, and the plumbing every forge repeats. A forge's own rules stay in its own package.
 */
@NullMarked
package grapple.bot.forge;

import org.jspecify.annotations.NullMarked;
