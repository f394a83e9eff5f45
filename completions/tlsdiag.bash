# bash completion for tlsdiag                                  -*- shell-script -*-
# Installed as $(PREFIX)/share/bash-completion/completions/tlsdiag.
# Profile names and stacks come from tlsdiag itself, so they stay true.

_tlsdiag()
{
	local cur prev words cword
	_init_completion || return

	local commands="decode run explain servers serve capture client-caps help"
	if [[ $cword -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi

	local cmd=${words[1]}
	case $prev in
	--out | -o | --json | --junit | --html)
		[[ $cmd == run && $prev == --out ]] && { _filedir -d; return; }
		_filedir
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
		COMPREPLY=($(compgen -W "tls-alert cc3200 axtls bearssl mbedtls mbedtls-verify wolfssl openssl" -- "$cur"))
		return
		;;
	--show)
		COMPREPLY=($(compgen -W "$(tlsdiag servers 2>/dev/null | cut -d' ' -f1)" -- "$cur"))
		_filedir ini
		return
		;;
	--port | --listen-port | --timeout | -j | --jobs | --filter | -f | --kind | --iface)
		return
		;;
	esac

	case $cmd in
	decode)
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--format --port --html --help" -- "$cur")) || _filedir '@(pcap|pcapng|cap)'
		;;
	run)
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--jobs --filter --out --json --junit --html --capture --allow-skip --explain --timeout --help" -- "$cur")) || _filedir ini
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
			[[ $cur == */* ]] && _filedir ini
		fi
		;;
	capture)
		COMPREPLY=($(compgen -W "--port --out --mode --listen-port --timeout --iface --help" -- "$cur"))
		;;
	client-caps)
		COMPREPLY=($(compgen -W "--json --help" -- "$cur"))
		;;
	help)
		[[ $cword -eq 2 ]] && COMPREPLY=($(compgen -W "decode run explain servers serve capture client-caps" -- "$cur"))
		;;
	*) ;;
	esac
} && complete -F _tlsdiag tlsdiag
