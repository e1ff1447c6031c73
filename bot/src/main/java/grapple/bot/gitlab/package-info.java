/** The GitLab service: project connections, the webhook receiver, linked accounts, commands. */
@NullMarked
package grapple.bot.gitlab;

import org.jspecify.annotations.NullMarked;
