// zh-CN by default, English switchable. Each page keeps its own strings next to it:
//   const t = useT({ zh: { title: "搜索" }, en: { title: "Search" } });  then  t("title", { n: 3 })
import { computed, reactive } from "vue";

export type Lang = "zh-CN" | "en";
export type Messages = { zh: Record<string, string>; en: Record<string, string> };

const saved = (typeof localStorage !== "undefined" && localStorage.getItem("mam.lang")) as Lang | null;
export const locale = reactive({ lang: (saved === "en" ? "en" : "zh-CN") as Lang });

export function setLang(lang: Lang): void {
  locale.lang = lang;
  localStorage.setItem("mam.lang", lang);
  document.documentElement.lang = lang;
}

function fill(s: string, vars?: Record<string, string | number>): string {
  return vars ? s.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`)) : s;
}

export function useT(messages: Messages) {
  return (key: string, vars?: Record<string, string | number>): string => {
    const table = locale.lang === "en" ? messages.en : messages.zh;
    return fill(table[key] ?? messages.zh[key] ?? key, vars);
  };
}

export const isEnglish = computed(() => locale.lang === "en");
