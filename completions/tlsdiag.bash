# bash completion for tlsdiag                                  -*- shell-script -*-
# Installed as $(PREFIX)/share/bash-completion/completions/tlsdiag.
# Profile names and stacks come from tlsdiag itself, so they stay true.

# Without the bash-completion package: its two helpers, plainly.
_tlsdiag_files()
{
	if declare -F _filedir > /dev/null; then
		_filedir "$@"
	else
		COMPREPLY+=($(compgen -f -- "$cur"))
	fi
}

_tlsdiag()
{
	local cur prev words cword
	if declare -F _init_completion > /dev/null; then
		_init_completion || return
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
	fi

	local commands="decode run explain servers serve capture client-caps probe devices help"
	if [[ $cword -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi

	local cmd=${words[1]}
	case $prev in
	--out | -o | --json | --junit | --html | --ca | --keylog)
		[[ $cmd == run && $prev == --out ]] && { _tlsdiag_files -d; return; }
		_tlsdiag_files
		return
		;;
	--format)
		COMPREPLY=($(compgen -W "text json" -- "$cur"))
		return
		;;
	--capture)
		COMPREPLY=($(compgen -W "auto live relay off" -- "$cur"))
		return
		;;
	--mode)
		COMPREPLY=($(compgen -W "auto live relay" -- "$cur"))
		return
		;;
	--stack)
		COMPREPLY=($(compgen -W "tls-alert cc3200 axtls bearssl mbedtls mbedtls-verify wolfssl openssl openssl-get-error" -- "$cur"))
		return
		;;
	--show)
		COMPREPLY=($(compgen -W "$(tlsdiag servers 2>/dev/null | cut -d' ' -f1)" -- "$cur"))
		_tlsdiag_files ini
		return
		;;
	--port | --listen-port | --timeout | -j | --jobs | --filter | -f | --kind | --iface | --memory-budget | --sni | --require | --device | -d)
		return
		;;
	esac

	case $cmd in
	decode)
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--format --port --memory-budget --html --help" -- "$cur")) || _tlsdiag_files '@(pcap|pcapng|cap)'
		;;
	run)
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--jobs --filter --out --json --junit --html --capture --allow-skip --explain --timeout --help" -- "$cur")) || _tlsdiag_files ini
		;;
	explain)
		COMPREPLY=($(compgen -W "--stack --list --kind --json --help" -- "$cur"))
		;;
	servers)
		COMPREPLY=($(compgen -W "--json --show --help" -- "$cur"))
		;;
	serve)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--port --keep --json --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(tlsdiag servers 2>/dev/null | cut -d' ' -f1)" -- "$cur"))
			[[ $cur == */* ]] && _tlsdiag_files ini
		fi
		;;
	capture)
		COMPREPLY=($(compgen -W "--port --out --mode --listen-port --timeout --iface --help" -- "$cur"))
		;;
	client-caps | devices)
		COMPREPLY=($(compgen -W "--json --help" -- "$cur"))
		;;
	probe)
		COMPREPLY=($(compgen -W "--device --sni --ca --require --json --junit --html --out --timeout --no-survey --no-references --help" -- "$cur"))
		;;
	help)
		[[ $cword -eq 2 ]] && COMPREPLY=($(compgen -W "decode run explain servers serve capture client-caps probe devices" -- "$cur"))
		;;
	*) ;;
	esac
} && complete -F _tlsdiag tlsdiag
