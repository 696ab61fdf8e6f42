#pragma once

/* Kubernetes' name and identifier rules (k8s.io/apimachinery/pkg/util/validation). Each checker
 * returns NULL when s is valid, or a static English phrase saying which rule s breaks, suitable to be
 * printed as `FIELD: <phrase>, got "<s>"`, for example:
 *   "must be no more than 63 characters"
 *   "must consist of lower case alphanumeric characters or '-'"
 *   "must start and end with an alphanumeric character"
 * The phrases are specific to the first rule broken, not the whole rule text. Rules are tried in the
 * order Kubernetes reports them: length first, then emptiness, the character set, and the shape.
 * A NULL s is treated as "". Lengths are in bytes, as Go's len() counts them. */

#include <stdbool.h>

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters (container, volume names). */
const char *name_check_dns1123_label(const char *s);
/* RFC 1123 subdomain: labels joined by '.', at most 253 characters (pod, ConfigMap, Secret names). */
const char *name_check_dns1123_subdomain(const char *s);
/* IANA service name: at most 15 characters, [-a-z0-9], at least one letter, no "--", no leading or
 * trailing '-' (container port names). */
const char *name_check_iana_svc_name(const char *s);
/* Qualified name: [prefix/]name, prefix a DNS subdomain, name at most 63 characters of
 * ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] (label and annotation keys). Phrases about one part start
 * with "prefix part " or "name part ", as Kubernetes' do. */
const char *name_check_qualified_name(const char *s);
/* Label value: empty, or at most 63 characters of ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]. */
const char *name_check_label_value(const char *s);
/* Environment variable name: printable ASCII other than '=', not empty (Kubernetes' relaxed rule, GA
 * since 1.34). Space counts as printable, as in Go's unicode.IsPrint(). */
const char *name_check_env_var_name(const char *s);
/* ConfigMap and Secret keys: [-._a-zA-Z0-9]+, at most 253 characters, not "." or "..", not starting
 * with "..". */
const char *name_check_config_map_key(const char *s);
/* sysctl names as Kubernetes validates them (dots or slashes as separators), at most 253 characters:
 * segments of [a-z0-9]([-_a-z0-9]*[a-z0-9])? joined by single '.' or '/'. */
const char *name_check_sysctl_name(const char *s);
/* An IPv4 or IPv6 address in text form, as inet_pton() accepts it (so no leading zeros in IPv4
 * octets, no zone, no prefix length). */
const char *name_check_ip(const char *s);
/* A relative path without ".." components (volumeMounts[].subPath, subPathExpr after expansion):
 * Kubernetes' validateLocalDescendingPath(). The empty string passes; a subPath of "" means "none". */
const char *name_check_relative_path(const char *s);
/* configMap/secret/downwardAPI items[].path: not empty, a relative path without ".." components, and
 * not starting with ".." at all (the kubelet's atomic writer keeps "..data" and "..<timestamp>" next to
 * the files): Kubernetes' validateLocalNonReservedPath() plus its required check. */
const char *name_check_volume_item_path(const char *s);
