/*
 * glue.h: the C side of pam_jailme that Go may call.
 *
 * Go never sees a pam_handle_t: it holds the handle as void * and uses it
 * only through these helpers, which are plain C (glue.c).
 */
#ifndef JAILME_GLUE_H
#define JAILME_GLUE_H

/* jm_get_item stores a pointer to the string item (PAM_USER, PAM_SERVICE,
 * PAM_RHOST) in *out, or NULL if it is not set; returns the PAM status. */
int	jm_get_item(void *pamh, int item, const char **out);

/* jm_conv_error sends msg to the user as one PAM_ERROR_MSG through the
 * application's conversation function, like Linux-PAM's pam_error(3). */
int	jm_conv_error(void *pamh, const char *msg);

/* jm_progname is the host program's name, the tag of its syslog lines
 * (what syslog(3) uses when the program set none). */
const char *jm_progname(void);

/* jm_getenv stores a pointer to the value of name in the PAM environment
 * (pam_getenv(3)) in *out, or NULL; returns PAM_SUCCESS when set. */
int	jm_getenv(void *pamh, const char *name, const char **out);

#endif
