#include "cmd_emit.h"

#include "cmd_exim.h"
#include "mta_flag.h"

namespace mtlscert::cli {

const char* const kEmitSummary =
    "Print the lines that turn STARTTLS on for sendmail, Postfix or Exim, after checking what the MTA will check";
const char* const kEmitExamples =
    R"(  $ mtlscert emit --mta sendmail --server-cert /etc/mail/tls/smtp.crt --server-key /etc/mail/tls/smtp.key \
        --cacert /etc/mail/tls/ca.crt --cacert-path /etc/ssl/certs --host smtp.example.org
      the sendmail.mc define lines, exactly what emit-mc prints
  $ mtlscert emit --mta postfix --server-cert /etc/mail/tls/smtp.crt --server-key /etc/mail/tls/smtp.key \
        --cacert /etc/mail/tls/ca.crt --cacert-path /etc/ssl/certs
      postconf -e lines; exit 1 with the line smtpd would log if it would refuse the files
  $ mtlscert emit --mta postfix ... -o /etc/mail/tls/mtlscert-main.cf
      a main.cf fragment (0644, atomically) to append to /etc/postfix/main.cf)";

int run_emit(const EmitOptions& o, const Output& out) {
  const Mta mta = mta_from_flag(o.mta);
  switch (mta) {
    case Mta::Sendmail: {
      EmitMcOptions mc = o;
      if (mc.key_group.empty()) mc.key_group = EmitMcOptions{}.key_group;
      return run_emit_mc(mc, out);
    }
    case Mta::Postfix: not_implemented("emit", mta);
    case Mta::Exim: return run_emit_exim(o, out);
  }
  not_implemented("emit", mta);
}

}  // namespace mtlscert::cli
