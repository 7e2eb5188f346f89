#!/bin/sh
# postfix-out-instance.sh - create the output instance of the
# two-instance recipe (README, "Routed by transport maps"): a second
# Postfix, managed with postmulti(1), into which dkimpipe re-injects over
# SMTP on 127.0.0.1:10028 and which delivers what it gets. Its routing
# never leads to a signer, so nothing dkimpipe passes on (signed or not)
# can come back to it: loop-free by construction.
#
# It is made from Postfix's stock main.cf and master.cf (postmulti -e
# create) and takes from the default instance only its names and its
# SMTP client settings (relayhost, smtp_*): it sends mail out the way
# the default instance did. Mail for the default instance's own domains
# (bounces to your users) goes back to it on 127.0.0.1:25. Postfix's
# notices written here pass the signer once, through a cleanup of their
# own (examples/dkimpipe_notices.regexp). It does not touch the default
# instance beyond "postmulti -e init" and does not start anything.
#
#   usage: postfix-out-instance.sh [NAME]     (as root; default postfix-out)
#   then:  postmulti -i postfix-out -p start   (or: systemctl enable --now
#          postfix@postfix-out)
set -eu
name=${1:-postfix-out}
case $name in
postfix-*) ;;
*) echo "postfix-out-instance: the name must start with postfix-" >&2; exit 64 ;;
esac
dir=/etc/$name
here=$(dirname "$0")
regexp=$here/../examples/dkimpipe_notices.regexp	# run it from the source tree
[ -f "$regexp" ] || { echo "postfix-out-instance: no $regexp" >&2; exit 66; }
if [ -f "$dir/main.cf" ]; then
	echo "postfix-out-instance: $dir/main.cf exists; not changed" >&2
	exit 73
fi

# the default instance's names and SMTP client settings
local_domains=$(postconf -hx mydestination virtual_alias_domains \
    virtual_mailbox_domains relay_domains | tr ',\n' '  ' | tr -s ' ')
copy=""
for p in $(postconf -n | sed -n 's/^\(smtp_[a-z0-9_]*\|relayhost\|sender_dependent_relayhost_maps\|myhostname\|mydomain\|myorigin\|inet_protocols\|compatibility_level\) = .*/\1/p'); do
	copy="$copy $p"
done

postmulti -e init
postmulti -I "$name" -e create
for p in $copy; do
	postconf -c "$dir" -e "$p = $(postconf -h "$p")"
done
postconf -c "$dir" -e \
    'master_service_disable =' \
    'inet_interfaces = loopback-only' \
    'mynetworks = 127.0.0.0/8' \
    'mydestination =' \
    "relay_domains = $local_domains" \
    'relay_transport = smtp:[127.0.0.1]:25' \
    'alias_maps =' 'alias_database =' \
    'authorized_submit_users =' \
    'disable_mime_output_conversion = yes' \
    'message_size_limit = 10280000' \
    'dkimsign_destination_recipient_limit = 100'

# no port 25 here; the re-injection smtpd on loopback instead
postconf -c "$dir" -M# smtp/inet
postconf -c "$dir" -M '127.0.0.1:10028/inet=127.0.0.1:10028 inet n - n - - smtpd'
for o in "syslog_name=$name/reinject" \
    'content_filter=' 'local_header_rewrite_clients=' \
    'receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters' \
    'smtpd_helo_restrictions=' 'smtpd_client_restrictions=' \
    'smtpd_sender_restrictions=' 'smtpd_data_restrictions=' \
    'smtpd_relay_restrictions=permit_mynetworks,reject' \
    'smtpd_recipient_restrictions=permit_mynetworks,reject'; do
	postconf -c "$dir" -P "127.0.0.1:10028/inet/$o"
done

# the notices written here go through the signer once
install -m 644 "$regexp" "$dir/dkimpipe_notices.regexp"
postconf -c "$dir" -M \
    'dkimsign/unix=dkimsign unix - n n - 10 pipe null_sender= user=dkimpipe argv=/usr/local/sbin/dkimpipe deliver -q ${queue_id} -a ${client_address} -u ${sasl_username} -f ${sender} -- ${recipient}' \
    'cleanup-notices/unix=cleanup-notices unix n - y - 0 cleanup'
postconf -c "$dir" -P \
    "cleanup-notices/unix/header_checks=regexp:$dir/dkimpipe_notices.regexp"
for s in bounce defer trace; do
	postconf -c "$dir" -P "$s/unix/cleanup_service_name=cleanup-notices" \
	    "$s/unix/internal_mail_filter_classes=bounce"
done
postmulti -i "$name" -e enable
postfix -c "$dir" check
echo "postfix-out-instance: $dir ready; start it with: postmulti -i $name -p start"
