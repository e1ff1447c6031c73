@NullMarked
package grapple.bot.provisioning;

import org.jspecify.annotations.NullMarked;
